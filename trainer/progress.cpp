#include "progress.h"

#include <unistd.h>

#include <cstdio>

namespace cartoonize::train {

Progress::Progress(std::string label, int64_t start, int64_t total, int64_t every)
    : label_(std::move(label)), start_(start), total_(total), every_(every), tty_(isatty(STDOUT_FILENO)),
      t0_(std::chrono::steady_clock::now()), last_(t0_), last_iter_(start) {}

void Progress::update(int64_t it, const std::vector<std::pair<std::string, double>>& losses) {
  auto now = std::chrono::steady_clock::now();
  const double since = std::chrono::duration<double>(now - last_).count();
  if (!tty_ && it % every_ != 0 && it != total_) return;
  if (tty_ && since < 0.2 && it != total_) return;
  const double elapsed = std::chrono::duration<double>(now - t0_).count();
  rate_ = elapsed > 0 ? double(it - start_) / elapsed : 0;
  const double eta = rate_ > 0 ? double(total_ - it) / rate_ : 0;
  const int width = 24;
  const int filled = total_ > 0 ? int(width * double(it) / double(total_)) : 0;
  std::string bar(size_t(filled), '#');
  bar.resize(width, '.');
  std::printf("%s%s [%s] %lld/%lld %.2f it/s ETA %dh%02dm", tty_ ? "\r" : "", label_.c_str(), bar.c_str(),
              (long long)it, (long long)total_, rate_, int(eta / 3600), int(eta / 60) % 60);
  for (const auto& [name, value] : losses) std::printf(" %s %.4g", name.c_str(), value);
  std::printf(tty_ ? "\033[K" : "\n");
  std::fflush(stdout);
  last_ = now;
  last_iter_ = it;
}

void Progress::finish() {
  if (tty_) std::printf("\n");
  std::fflush(stdout);
}

}  // namespace cartoonize::train
