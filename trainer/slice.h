// One training slice: runs until the time budget is spent or a SIGINT/SIGTERM
// arrives, so CPU training proceeds in resumable pieces across sessions.
#pragma once
#include <chrono>

#include "checkpoint.h"

namespace cartoonize::train {

class Slice {
 public:
  explicit Slice(double budget_minutes) : budget_s_(budget_minutes * 60.0), t0_(std::chrono::steady_clock::now()) {
    install_stop_handlers();
  }
  double elapsed() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
  }
  bool out_of_time() const { return budget_s_ > 0 && elapsed() >= budget_s_; }
  bool should_stop() const { return out_of_time() || stop_requested(); }
  const char* reason() const { return out_of_time() ? "time budget reached" : "signal"; }

 private:
  double budget_s_;
  std::chrono::steady_clock::time_point t0_;
};

}  // namespace cartoonize::train
