// One Euro filter (Casiez, Roussel, Vogel, CHI 2012): a low-pass whose cutoff
// rises with speed, so still faces stop jittering while moving faces do not lag.
#pragma once
#include <optional>

#include <opencv2/core.hpp>

#include "landmarks.h"

namespace cartoonize::faces {

struct OneEuroParams {
  double min_cutoff = 1.0;  // Hz: cutoff at rest (lower: less jitter, more lag)
  double beta = 0.05;       // 1/px: cutoff increase per px/s of speed (higher: less lag)
  double d_cutoff = 1.0;    // Hz: cutoff of the speed estimate
};

// Filters one 2D point; its speed (norm of the 2D velocity) drives the cutoff
// so both coordinates are smoothed alike.
class OneEuroFilter2D {
 public:
  explicit OneEuroFilter2D(OneEuroParams p = {}) : p_(p) {}
  // t_seconds must increase; a repeated or older time returns the last output.
  cv::Point2f filter(cv::Point2f x, double t_seconds);
  void reset() { last_t_.reset(); }

 private:
  OneEuroParams p_;
  std::optional<double> last_t_;
  cv::Point2d x_hat_, dx_hat_;
};

// The 68 points of one face, each through its own One Euro filter.
class LandmarkSmoother {
 public:
  explicit LandmarkSmoother(OneEuroParams p = {});
  Landmarks filter(const Landmarks& raw, double t_seconds);
  void reset();

 private:
  std::array<OneEuroFilter2D, kLandmarkCount> filters_;
};

}  // namespace cartoonize::faces
