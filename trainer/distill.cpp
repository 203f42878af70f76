// `distill`: a smaller, faster student generator learns to reproduce a
// trained teacher model's output (L1 on the outputs + content features), so
// CPU users get the teacher's look at a fraction of its cost.
#include <cstdio>
#include <filesystem>

#include "args.h"
#include "checkpoint.h"
#include "commands.h"
#include "error.h"
#include "generator.h"
#include "batch_loader.h"
#include "losses.h"
#include "model_file.h"
#include "run_dir.h"
#include "train_device.h"
#include "training_loop.h"

namespace cartoonize::train {

int cmd_distill(const std::vector<std::string>& argv) {
  Args a("distill", "Train a smaller student generator to reproduce a teacher model's output.");
  a.option("data", "", "prepared data folder (its photo/train subfolder) or any folder of photos")
      .option("photos", "", "instead of --data: image packs (.ctzp, from `pack`) or folders of photos, comma-separated")
      .option("teacher", default_model_file(), "the teacher model file (.ctzm)")
      .option("run", "runs/distill", "run folder for the student's checkpoint and loss CSV")
      .option("total-iter", "20000", "iterations to reach (counted over resumed slices)")
      .range(0, 1000000000)
      .option("width", "16", "student width (channels of the first conv; the default model has 32)").range(1, 512)
      .option("res-blocks", "2", "student residual blocks (the default model has 4)").range(0, 64)
      .option("batch", "8", "images per step").range(1, 1024)
      .option("lr", "2e-4", "Adam learning rate").real_range(0, INFINITY, true)
      .option("w-content", "1", "weight of the content-feature term against the teacher's output (0: L1 only)")
      .real_range(0, 1e9)
      .option("face-api", default_face_api_dir(), "folder of the face-api weights (content network)")
      .option("threads", "2", "CPU threads for LibTorch").range(1, 1024)
      .option("precision", "auto", "auto (bf16 autocast on a GPU that runs it, else fp32), fp32 or bf16")
      .option("channels-last", "auto", "channels_last activations: auto (on CUDA), on or off")
      .option("time-budget", "0", "minutes to train in this slice, then checkpoint and exit 0 (0: no limit)")
      .real_range(0, 1e7)
      .option("save-every", "200", "iterations between checkpoints").range(1, 1000000000)
      .option("seed", "42", "random seed (logged)")
      .flag("resume", "continue from the run's distill.ckpt");
  if (!a.parse(argv)) return 0;
  torch::set_num_threads(a.integer("threads"));
  torch::manual_seed(uint64_t(a.integer("seed")));
  RunDir run(a.str("run"));
  run.record_command("distill", argv);
  const std::string ckpt = run.checkpoint("distill");

  NativeModel teacher = load_model_file(a.str("teacher"));
  run.record_command("distill-teacher", {a.str("teacher"), teacher.info.provenance_json});
  Generator student(GeneratorConfig{a.integer("width"), a.integer("res-blocks")});
  torch::optim::Adam opt(student->parameters(), torch::optim::AdamOptions(a.number("lr")).betas({0.5, 0.99}));
  CheckpointState state;
  if (std::filesystem::exists(ckpt)) {
    if (!a.on("resume")) throw Error(ckpt + " exists: pass --resume to continue it, or choose another --run");
    student = Generator(checkpoint_generator_config(ckpt));
    opt = torch::optim::Adam(student->parameters(), torch::optim::AdamOptions(a.number("lr")).betas({0.5, 0.99}));
    state = load_checkpoint(ckpt, {student, {}, {{"g", &opt}}});
    if (a.given("lr")) set_learning_rate(opt, a.number("lr"));
    std::printf("resumed %s at iteration %lld\n", ckpt.c_str(), (long long)state.iteration);
  }
  const TrainDevice dev = choose_train_device(a.str("precision"), a.str("channels-last"));
  place_module(*teacher.generator, dev);
  place_module(*student, dev);
  place_adam(opt, dev);
  teacher.generator->eval();
  student->train();
  const double w_content = a.number("w-content");
  std::unique_ptr<ContentNet> content;
  if (w_content > 0) {
    content = std::make_unique<ContentNet>(a.str("face-api"), "");
    content->to(dev.device);
  }

  const int size = teacher.info.input_size;
  BatchLoader loader(training_images(training_sources(a.str("data"), a.list("photos"), "photos"), size),
                     a.integer("batch"), uint64_t(a.integer("seed")), uint64_t(state.iteration));
  auto count = [](Generator& g) {
    int64_t n = 0;
    for (const auto& p : g->parameters()) n += p.numel();
    return n;
  };
  std::printf("distill: teacher %s (%lld parameters) -> student width %d, %d res blocks (%lld parameters); "
              "%zu photos at %d px on %s\n",
              a.str("teacher").c_str(), (long long)count(teacher.generator), student->config().width,
              student->config().res_blocks, (long long)count(student), loader.count(), size,
              dev.describe().c_str());

  LoopSettings loop;
  loop.stage = "distill";
  loop.total = a.integer("total-iter");
  loop.time_budget_minutes = a.number("time-budget");
  loop.save_every = a.integer("save-every");
  loop.columns = {"total", "l1", "content"};
  loop.shown = {"total", "l1"};
  TrainingLoop training(run, loop, state,
                        [&](const CheckpointState& s) { save_checkpoint(ckpt, {student, {}, {{"g", &opt}}}, s); });
  training.run([&]() -> std::vector<double> {
    const torch::Tensor x = place_batch(loader.next(), dev);
    torch::Tensor loss, l1, l_content = torch::zeros({});
    {
      AutocastScope autocast(dev);
      torch::Tensor target;
      std::vector<torch::Tensor> target_features;
      {
        torch::NoGradGuard ng;
        target = teacher.generator->forward(x);
        if (content) target_features = content->features(target);
      }
      const torch::Tensor y = student->forward(x);
      l1 = torch::l1_loss(y, target);
      if (content) l_content = content->distance(content->features(y), target_features);
      loss = l1 + w_content * l_content;
    }
    opt.zero_grad();
    loss.backward();
    opt.step();
    return {loss.item<double>(), l1.item<double>(), l_content.item<double>()};
  });
  std::printf("export the student with: cartoonize-train export --run %s --stage distill --out student.ctzm\n",
              run.path.c_str());
  return 0;
}

}  // namespace cartoonize::train
