#include "training_loop.h"

#include <cmath>
#include <cstdio>
#include <fstream>

#include "error.h"
#include "plot.h"
#include "progress.h"
#include "slice.h"

namespace cartoonize::train {

TrainingLoop::TrainingLoop(const RunDir& run, LoopSettings settings, CheckpointState& state, Save save)
    : run_(run), settings_(std::move(settings)), state_(state), save_(std::move(save)) {}

bool TrainingLoop::run(const Step& step, const std::function<void(int64_t)>& after_step) {
  const std::string& stage = settings_.stage;
  const std::string csv_path = run_.losses_csv(stage);
  std::ofstream csv(csv_path, std::ios::app);
  if (!csv) throw Error("cannot write " + csv_path);
  if (csv.tellp() == 0) {
    csv << "iteration";
    for (const auto& c : settings_.columns) csv << ',' << c;
    csv << ",seconds\n";
  }
  Slice slice(settings_.time_budget_minutes);
  const double seconds_before = state_.seconds;
  Progress progress(stage, state_.iteration, settings_.total, settings_.progress_every);
  // The CSV is checked before each save: a full disk stops the run with the
  // last checkpoint intact instead of losing loss rows silently.
  auto flush_csv = [&] {
    csv.flush();
    if (!csv) throw Error("cannot write " + csv_path + " (disk full?); the last checkpoint " +
                          run_.checkpoint(stage) + " is kept");
  };
  auto save = [&] {
    state_.seconds = seconds_before + slice.elapsed();
    flush_csv();
    save_(state_);
  };

  while (state_.iteration < settings_.total) {
    const std::vector<double> values = step();
    ++state_.iteration;
    for (size_t i = 0; i < values.size(); ++i)
      if (!std::isfinite(values[i])) {
        progress.finish();
        throw Error(stage + ": loss '" + settings_.columns.at(i) + "' became " + std::to_string(values[i]) +
                    " at iteration " + std::to_string(state_.iteration) + "; stopping with the last good checkpoint " +
                    run_.checkpoint(stage) + " kept");
      }
    csv << state_.iteration;
    for (double v : values) csv << ',' << v;
    csv << ',' << seconds_before + slice.elapsed() << '\n';
    std::vector<std::pair<std::string, double>> shown;
    for (const auto& name : settings_.shown)
      for (size_t i = 0; i < settings_.columns.size(); ++i)
        if (settings_.columns[i] == name) shown.emplace_back(name, values.at(i));
    progress.update(state_.iteration, shown);
    if (after_step) after_step(state_.iteration);
    if (state_.iteration % settings_.plot_every == 0) {
      flush_csv();
      plot_losses(csv_path, run_.path + "/" + stage + "-losses.png");
    }
    const bool stop = slice.should_stop();
    if (state_.iteration % settings_.save_every == 0 || stop) save();
    if (stop) {
      progress.finish();
      std::printf("stopped at iteration %lld (%s); resume with --resume\n", (long long)state_.iteration,
                  slice.reason());
      return false;
    }
  }
  save();
  progress.finish();
  std::printf("%s done: %lld iterations, %.1f min in all; checkpoint %s\n", stage.c_str(),
              (long long)state_.iteration, state_.seconds / 60, run_.checkpoint(stage).c_str());
  return true;
}

}  // namespace cartoonize::train
