#include "guided_upsample.h"

#include <algorithm>
#include <cmath>

namespace cartoonize {
namespace F = torch::nn::functional;

namespace {

// Sum over windows [i-r, i+r] along `dim`, clipped to the tensor, from
// cumulative sums: the cost does not grow with the radius.
torch::Tensor window_sum(const torch::Tensor& x, int64_t dim, int r) {
  const int64_t n = x.size(dim);
  auto shape = x.sizes().vec();
  shape[size_t(dim)] = 1;
  torch::Tensor c = torch::cat({torch::zeros(shape, x.options()), x.cumsum(dim)}, dim);  // c[k] = sum x[0..k-1]
  auto idx = torch::arange(n, torch::TensorOptions().dtype(torch::kLong).device(x.device()));
  auto hi = (idx + r + 1).clamp_max(n);
  auto lo = (idx - r).clamp_min(0);
  return c.index_select(dim, hi) - c.index_select(dim, lo);
}

}  // namespace

torch::Tensor box_mean(const torch::Tensor& x, int radius) {
  if (radius <= 0) return x;
  auto ones = torch::ones({1, 1, x.size(2), x.size(3)}, x.options());
  auto count = window_sum(window_sum(ones, 2, radius), 3, radius);
  return window_sum(window_sum(x, 2, radius), 3, radius) / count;
}

std::pair<torch::Tensor, torch::Tensor> guided_coefficients(const torch::Tensor& guide, const torch::Tensor& p,
                                                            int radius, double eps) {
  const torch::Tensor mean_i = box_mean(guide, radius), mean_p = box_mean(p, radius);
  const torch::Tensor cov_ip = box_mean(guide * p, radius) - mean_i * mean_p;
  const torch::Tensor var_i = box_mean(guide * guide, radius) - mean_i * mean_i;
  const torch::Tensor a = cov_ip / (var_i + eps);
  const torch::Tensor b = mean_p - a * mean_i;
  // Averaged over the window, as the guided filter does, so overlapping
  // windows give one smooth model.
  return {box_mean(a, radius), box_mean(b, radius)};
}

torch::Tensor guided_filter(const torch::Tensor& guide, const torch::Tensor& p, int radius, double eps) {
  const auto [a, b] = guided_coefficients(guide, p, radius, eps);
  return a * guide + b;
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
  const auto [a, b] = guided_coefficients(guide_lo.to(torch::kFloat), out_lo.to(torch::kFloat), options.radius,
                                          options.eps);
  const int64_t h = guide_hi.size(2), w = guide_hi.size(3);
  const torch::Tensor a_hi = resize_to(a, h, w), b_hi = resize_to(b, h, w);
  return torch::addcmul(b_hi, a_hi, guide_hi.to(torch::kFloat));
}

}  // namespace cartoonize
