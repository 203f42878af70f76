#include "guided_upsample.h"

#include <algorithm>
#include <cmath>

namespace cartoonize {
namespace F = torch::nn::functional;

torch::Tensor box_mean(const torch::Tensor& x, int radius) {
  if (radius <= 0) return x;
  const int64_t k = 2 * radius + 1;
  return F::avg_pool2d(x, F::AvgPool2dFuncOptions(k).stride(1).padding(radius).count_include_pad(false));
}

torch::Tensor resize_to(const torch::Tensor& x, int64_t height, int64_t width) {
  if (x.size(2) == height && x.size(3) == width) return x;
  const bool shrinking = height < x.size(2) || width < x.size(3);
  return F::interpolate(x, F::InterpolateFuncOptions()
                               .size(std::vector<int64_t>{height, width})
                               .mode(torch::kBilinear)
                               .align_corners(false)
                               .antialias(shrinking));
}

std::pair<int64_t, int64_t> reduced_size(int64_t height, int64_t width, int long_side) {
  const int64_t longest = std::max(height, width);
  if (long_side <= 0 || longest <= long_side) return {height, width};
  const double s = double(long_side) / double(longest);
  return {std::max<int64_t>(1, std::llround(double(height) * s)), std::max<int64_t>(1, std::llround(double(width) * s))};
}

torch::Tensor guided_upsample(const torch::Tensor& guide_hi, const torch::Tensor& guide_lo,
                              const torch::Tensor& out_lo, const GuidedUpsampleOptions& options) {
  TORCH_CHECK(guide_hi.dim() == 4 && guide_lo.dim() == 4 && out_lo.dim() == 4, "guided_upsample: 4-D tensors");
  TORCH_CHECK(guide_lo.sizes() == out_lo.sizes(), "guided_upsample: guide_lo ", guide_lo.sizes(), " vs out_lo ",
              out_lo.sizes());
  TORCH_CHECK(guide_hi.size(0) == guide_lo.size(0) && guide_hi.size(1) == guide_lo.size(1),
              "guided_upsample: batch/channels differ");
  const int r = options.radius;
  const torch::Tensor x = guide_lo.to(torch::kFloat), y = out_lo.to(torch::kFloat);
  const torch::Tensor mean_x = box_mean(x, r), mean_y = box_mean(y, r);
  const torch::Tensor cov_xy = box_mean(x * y, r) - mean_x * mean_y;
  const torch::Tensor var_x = box_mean(x * x, r) - mean_x * mean_x;
  const torch::Tensor a = cov_xy / (var_x + options.eps);
  const torch::Tensor b = mean_y - a * mean_x;
  // Averaging A and b over the window (as the guided filter does) before
  // upsampling keeps the full-resolution result smooth where windows overlap.
  const int64_t h = guide_hi.size(2), w = guide_hi.size(3);
  const torch::Tensor a_hi = resize_to(box_mean(a, r), h, w);
  const torch::Tensor b_hi = resize_to(box_mean(b, r), h, w);
  return torch::addcmul(b_hi, a_hi, guide_hi.to(torch::kFloat));
}

}  // namespace cartoonize
