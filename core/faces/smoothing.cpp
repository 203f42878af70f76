// One Euro filter, following the paper's pseudo-code (see smoothing.h).
#include "smoothing.h"

#include <cmath>
#include <numbers>

namespace cartoonize::faces {

namespace {
// Exponential smoothing factor of a first-order low-pass at cutoff Hz for a step dt.
double smoothing_factor(double cutoff, double dt) {
  const double tau = 1.0 / (2.0 * std::numbers::pi * cutoff);
  return 1.0 / (1.0 + tau / dt);
}
}  // namespace

cv::Point2f OneEuroFilter2D::filter(cv::Point2f x, double t) {
  const cv::Point2d xd(x);
  if (!last_t_) {
    last_t_ = t;
    x_hat_ = xd;
    dx_hat_ = {0, 0};
    return x;
  }
  const double dt = t - *last_t_;
  if (!(dt > 0)) return cv::Point2f(x_hat_);
  last_t_ = t;

  const cv::Point2d dx = (xd - x_hat_) * (1.0 / dt);
  const double ad = smoothing_factor(p_.d_cutoff, dt);
  dx_hat_ = dx_hat_ + ad * (dx - dx_hat_);
  const double cutoff = p_.min_cutoff + p_.beta * std::hypot(dx_hat_.x, dx_hat_.y);
  const double a = smoothing_factor(cutoff, dt);
  x_hat_ = x_hat_ + a * (xd - x_hat_);
  return cv::Point2f(x_hat_);
}

LandmarkSmoother::LandmarkSmoother(OneEuroParams p) { filters_.fill(OneEuroFilter2D(p)); }

Landmarks LandmarkSmoother::filter(const Landmarks& raw, double t) {
  Landmarks out;
  for (int i = 0; i < kLandmarkCount; ++i) out[i] = filters_[i].filter(raw[i], t);
  return out;
}

void LandmarkSmoother::reset() {
  for (auto& f : filters_) f.reset();
}

}  // namespace cartoonize::faces
