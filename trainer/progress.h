// One-line progress for long runs: iteration, it/s, ETA and current losses.
// Redraws in place on a terminal, prints a line every `every` steps otherwise.
#pragma once
#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace cartoonize::train {

class Progress {
 public:
  Progress(std::string label, int64_t start, int64_t total, int64_t every = 50);
  void update(int64_t iteration, const std::vector<std::pair<std::string, double>>& losses);
  void finish();
  double rate() const { return rate_; }

 private:
  std::string label_;
  int64_t start_, total_, every_;
  bool tty_;
  std::chrono::steady_clock::time_point t0_, last_;
  int64_t last_iter_;
  double rate_ = 0;
};

}  // namespace cartoonize::train
