// Rolling, crash-safe training checkpoints: every module and optimiser of a
// stage plus the step counter in one file, replaced atomically, so a run
// killed at any moment resumes from the last complete checkpoint.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include <torch/torch.h>

#include "generator.h"

namespace cartoonize::train {

struct CheckpointState {
  int64_t iteration = 0;
  double seconds = 0;  // cumulative training time over all slices
};

// What a checkpoint holds; "generator" must be among the modules, as a
// Generator, so export and the element can find its config.
struct CheckpointParts {
  Generator generator{nullptr};
  std::vector<std::pair<std::string, torch::nn::Module*>> modules;        // besides the generator
  std::vector<std::pair<std::string, torch::optim::Optimizer*>> optimizers;
};

void save_checkpoint(const std::string& path, const CheckpointParts& parts, const CheckpointState& state);
// Loads into existing parts of the same shapes; parts absent from `parts` are
// ignored (export loads the generator alone). Throws Error.
CheckpointState load_checkpoint(const std::string& path, const CheckpointParts& parts);
// Sets the learning rate of every parameter group: a checkpoint restores the
// optimiser's own, so an --lr given with --resume must be applied after it.
void set_learning_rate(torch::optim::Adam& opt, double lr);
// Reads the generator config stored in a checkpoint.
GeneratorConfig checkpoint_generator_config(const std::string& path);

// SIGINT/SIGTERM set a flag the training loops poll, so they save and exit 0.
void install_stop_handlers();
bool stop_requested();

}  // namespace cartoonize::train
