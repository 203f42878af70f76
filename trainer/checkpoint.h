// Rolling, crash-safe training checkpoints: generator, optimiser and the step
// counter in one file, replaced atomically, so a run killed at any moment
// resumes from the last complete checkpoint.
#pragma once
#include <string>

#include <torch/torch.h>

#include "generator.h"

namespace cartoonize::train {

struct CheckpointState {
  int64_t iteration = 0;
  double seconds = 0;  // cumulative training time over all slices
};

void save_checkpoint(const std::string& path, Generator& generator, torch::optim::Optimizer& optimizer,
                     const CheckpointState& state);
// Loads into existing generator/optimiser (same config). Throws Error.
CheckpointState load_checkpoint(const std::string& path, Generator& generator, torch::optim::Optimizer* optimizer);
// Reads the generator config stored in a checkpoint.
GeneratorConfig checkpoint_generator_config(const std::string& path);

// SIGINT/SIGTERM set a flag the training loops poll, so they save and exit 0.
void install_stop_handlers();
bool stop_requested();

}  // namespace cartoonize::train
