// What the training stages (pretrain, train, distill) share: their common
// options, declared once here and parsed once into typed StageSettings, and
// the setup around each stage's own models and step: LibTorch's threads and
// seed, the run folder, the checkpoint and --resume, Adam, the device, the
// batch loaders, and the loop that saves the rolling checkpoint.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "args.h"
#include "batch_loader.h"
#include "checkpoint.h"
#include "run_dir.h"
#include "train_device.h"
#include "training_loop.h"

namespace cartoonize::train {

// The options every stage has, each as its type.
struct StageSettings {
  std::string data;                 // --data
  std::vector<std::string> photos;  // --photos
  std::string run;                  // --run
  int batch = 8;                    // --batch
  double lr = 2e-4;                 // --lr
  bool lr_given = false;            // then it wins over the optimiser state a checkpoint restores
  int threads = 2;                  // --threads
  int seed = 42;                    // --seed
  std::string precision = "auto", channels_last = "auto";
  std::string face_api;             // --face-api
  bool resume = false;              // --resume
  LoopSettings loop;                // stage, --total-iter, --time-budget, --save-every

  // Declares --data --photos --run --total-iter --batch --lr --threads --seed
  // --precision --channels-last --time-budget --save-every --face-api
  // --resume for `stage` ("pretrain", "train" or "distill": its defaults and
  // help lines), bound to these fields: a.parse() fills them once.
  void declare(Args& a, const std::string& stage);
};

// One stage's setup, in the order the commands need it.
class Stage {
 public:
  // Sets LibTorch's threads and seed, creates the run folder and records
  // the command line in it.
  Stage(StageSettings settings, const std::vector<std::string>& argv);

  const StageSettings& settings() const { return s_; }
  const RunDir& run() const { return run_; }
  const std::string& checkpoint() const { return checkpoint_; }

  // Adam as every stage uses it: --lr, betas (0.5, 0.99).
  torch::optim::Adam adam(const std::vector<torch::Tensor>& parameters) const;
  // Whether the stage continues its checkpoint: it exists and --resume was
  // given. Throws Error when it exists without --resume.
  bool resuming() const;
  // Loads the checkpoint into `parts`, applies an --lr given now to its
  // optimisers and says so.
  CheckpointState resume(const CheckpointParts& parts) const;
  // --precision and --channels-last on this machine (Error when it cannot).
  TrainDevice device() const;
  // Batches of --batch images of --photos (else --data's photos), from
  // batch `first_batch` on, seeded with --seed; or of `given` (else --data's
  // `what`, see training_sources) with another seed.
  BatchLoader photo_loader(int size, uint64_t first_batch) const;
  BatchLoader loader(const std::vector<std::string>& given, const std::string& what, int size, uint64_t seed,
                     uint64_t first_batch) const;
  // Runs the loop (settings().loop with the stage's columns and intervals),
  // saving `parts` as the rolling checkpoint; then says how many unreadable
  // images the loaders passed over. See TrainingLoop::run.
  bool train(const LoopSettings& loop, CheckpointState& state, const CheckpointParts& parts,
             const TrainingLoop::Step& step, const std::function<void(int64_t)>& after_step,
             const std::vector<const BatchLoader*>& loaders) const;

 private:
  StageSettings s_;
  RunDir run_;
  std::string checkpoint_;
};

}  // namespace cartoonize::train
