#include "stage.h"

#include <cmath>
#include <cstdio>
#include <filesystem>

#include "error.h"
#include "losses.h"

namespace cartoonize::train {

namespace {

// LibTorch's threads and seed are set before anything random is made.
RunDir seeded_run(const StageSettings& s) {
  torch::set_num_threads(s.threads);
  torch::manual_seed(uint64_t(s.seed));
  return RunDir(s.run);
}

}  // namespace

void StageSettings::declare(Args& a, const std::string& stage) {
  if (stage != "pretrain" && stage != "train" && stage != "distill") throw Error("internal: no stage " + stage);
  loop.stage = stage;
  // Where the stages differ: pretrain's, train's and distill's default or help.
  auto by_stage = [&](const char* pretrain, const char* train, const char* distill) {
    return std::string(stage == "pretrain" ? pretrain : stage == "train" ? train : distill);
  };
  const std::string photos_help =
      by_stage("instead of --data: image packs (.ctzp, from `pack`) or folders of photos, comma-separated",
               "instead of DATA/photo/train: image packs (.ctzp, from `pack`) or folders, comma-separated",
               "instead of --data: image packs (.ctzp, from `pack`) or folders of photos, comma-separated");
  const std::string no_limit = stage == "train" ? "" : " (0: no limit)";
  a.option("data", "",
           by_stage("prepared data folder (its photo/ subfolder) or any folder of photos",
                    "prepared data folder (photo/train and cartoon/ from `prepare`)",
                    "prepared data folder (its photo/train subfolder) or any folder of photos"))
      .into(data);
  a.option("photos", "", photos_help).into(photos);
  a.option("run", stage == "distill" ? "runs/distill" : "runs/default",
           by_stage("run folder for checkpoints and loss CSVs", "run folder (its pretrain.ckpt initialises the generator)",
                    "run folder for the student's checkpoint and loss CSV"))
      .into(run);
  a.option("total-iter", by_stage("50000", "30000", "20000"), "iterations to reach (counted over resumed slices)")
      .range(0, 1000000000).into(loop.total);
  a.option("batch", "8", "images per step").range(1, 1024).into(batch);
  a.option("lr", "2e-4", stage == "train" ? "Adam learning rate (G and both D)" : "Adam learning rate")
      .real_range(0, INFINITY, true).into(lr, &lr_given);
  declare_threads(a).into(threads).option("seed", "42", "random seed (logged)").into(seed);
  a.option("precision", "auto", "auto (bf16 autocast on a GPU that runs it, else fp32), fp32 or bf16")
      .into(precision);
  a.option("channels-last", "auto", "channels_last activations: auto (on CUDA), on or off").into(channels_last);
  a.option("time-budget", "0", "minutes to train in this slice, then checkpoint and exit 0" + no_limit)
      .real_range(0, 1e7).into(loop.time_budget_minutes);
  a.option("save-every", stage == "train" ? "100" : "200",
           stage == "train" ? "iterations between rolling checkpoints" : "iterations between checkpoints")
      .range(1, 1000000000).into(loop.save_every);
  a.option("face-api", default_face_api_dir(),
           stage == "train" ? "folder of the face-api weights (content and landmark nets)"
                            : "folder of the face-api weights (content network)")
      .into(face_api);
  a.flag("resume", by_stage("continue from the run's checkpoint", "continue the run's train.ckpt",
                            "continue from the run's distill.ckpt"))
      .into(resume);
}

Stage::Stage(StageSettings settings, const std::vector<std::string>& argv)
    : s_(std::move(settings)),
      run_(seeded_run(s_)),
      checkpoint_(run_.checkpoint(s_.loop.stage)) {
  run_.record_command(s_.loop.stage, argv);
}

torch::optim::Adam Stage::adam(const std::vector<torch::Tensor>& parameters) const {
  return torch::optim::Adam(parameters, torch::optim::AdamOptions(s_.lr).betas({0.5, 0.99}));
}

bool Stage::resuming() const {
  if (!std::filesystem::exists(checkpoint_)) return false;
  if (!s_.resume) throw Error(checkpoint_ + " exists: pass --resume to continue it, or choose another --run");
  return true;
}

CheckpointState Stage::resume(const CheckpointParts& parts) const {
  const CheckpointState state = load_checkpoint(checkpoint_, parts);
  if (s_.lr_given)  // every stage's optimisers are Adam (adam())
    for (auto& [name, opt] : parts.optimizers) set_learning_rate(static_cast<torch::optim::Adam&>(*opt), s_.lr);
  std::printf("resumed %s at iteration %lld (%.1f min trained so far)\n", checkpoint_.c_str(),
              (long long)state.iteration, state.seconds / 60);
  return state;
}

TrainDevice Stage::device() const { return choose_train_device(s_.precision, s_.channels_last); }

BatchLoader Stage::photo_loader(int size, uint64_t first_batch) const {
  return loader(s_.photos, "photos", size, uint64_t(s_.seed), first_batch);
}

BatchLoader Stage::loader(const std::vector<std::string>& given, const std::string& what, int size, uint64_t seed,
                          uint64_t first_batch) const {
  return BatchLoader(training_images(training_sources(s_.data, given, what), size), s_.batch, seed, first_batch);
}

bool Stage::train(const LoopSettings& loop, CheckpointState& state, const CheckpointParts& parts,
                  const TrainingLoop::Step& step, const std::function<void(int64_t)>& after_step,
                  const std::vector<const BatchLoader*>& loaders) const {
  TrainingLoop training(run_, loop, state,
                        [&](const CheckpointState& s) { save_checkpoint(checkpoint_, parts, s); });
  const bool done = training.run(step, after_step);
  int64_t skipped = 0;
  for (const BatchLoader* l : loaders) skipped += l->skipped();
  if (skipped) std::printf("skipped %lld unreadable images\n", (long long)skipped);
  return done;
}

}  // namespace cartoonize::train
