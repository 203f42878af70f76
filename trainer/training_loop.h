// The loop pretrain, train and distill share: step until the stage's total or the end
// of the slice (time budget, SIGINT/SIGTERM), one CSV row of losses per step,
// a progress line, a loss plot now and then, the rolling checkpoint saved
// every `save_every` steps and on stopping, and a stop with the last good
// checkpoint kept when a loss stops being finite.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "checkpoint.h"
#include "run_dir.h"

namespace cartoonize::train {

struct LoopSettings {
  std::string stage;                 // "pretrain" or "train": names checkpoint, CSV and plot
  int64_t total = 0;                 // iterations to reach, counted over slices
  double time_budget_minutes = 0;    // 0: no limit
  int64_t save_every = 100;
  int64_t plot_every = 200;          // also the CSV flush interval
  int64_t progress_every = 50;       // lines when not on a terminal
  std::vector<std::string> columns;  // loss names in CSV order; all must stay finite
  std::vector<std::string> shown;    // the columns the progress line shows
};

class TrainingLoop {
 public:
  // Returns the loss values of one step, in `columns` order.
  using Step = std::function<std::vector<double>()>;
  // Writes the rolling checkpoint for `state`.
  using Save = std::function<void(const CheckpointState& state)>;

  TrainingLoop(const RunDir& run, LoopSettings settings, CheckpointState& state, Save save);
  // Runs the stage. `after_step` (optional) sees the new iteration count after
  // each step (sample grids, snapshots). Returns true when `total` was
  // reached, false when the slice ended first; throws Error on a non-finite
  // loss without saving over the last good checkpoint.
  bool run(const Step& step, const std::function<void(int64_t iteration)>& after_step = {});

 private:
  const RunDir& run_;
  LoopSettings settings_;
  CheckpointState& state_;
  Save save_;
};

}  // namespace cartoonize::train
