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

std::pair<int64_t, int64_t> fitted_size(int64_t height, int64_t width, int64_t max_pixels) {
  if (max_pixels <= 0 || height * width <= max_pixels) return {height, width};
  const double scale = std::sqrt(double(max_pixels) / (double(width) * double(height)));
  int64_t h = std::max<int64_t>(1, int64_t(std::floor(double(height) * scale)));
  int64_t w = std::max<int64_t>(1, int64_t(std::floor(double(width) * scale)));
  // A side held at 1 px (a very thin frame) leaves the limit to the other.
  if (h * w > max_pixels) (h == 1 ? w : h) = std::max<int64_t>(1, max_pixels / (h == 1 ? h : w));
  return {h, w};
}

namespace {

// Rows [y0, y0 + rows) of x (N x C x h x w) resized bilinearly to height x
// width (align_corners false, as resize_to enlarges): the rows by hand, with
// upsample_bilinear2d's source coordinates, then across by resize_to.
torch::Tensor upsampled_rows(const torch::Tensor& x, int64_t y0, int64_t rows, int64_t height, int64_t width) {
  if (y0 == 0 && rows == height) return resize_to(x, height, width);
  const int64_t h = x.size(2);
  if (h == height) return resize_to(x.narrow(2, y0, rows), rows, width);
  const auto opts = torch::TensorOptions().dtype(torch::kFloat).device(x.device());
  const float scale = float(h) / float(height);
  const torch::Tensor src = ((torch::arange(y0, y0 + rows, opts) + 0.5f) * scale - 0.5f).clamp_min(0.f);
  const torch::Tensor i0 = src.floor().to(torch::kLong).clamp_max(h - 1), i1 = (i0 + 1).clamp_max(h - 1);
  const torch::Tensor w1 = (src - i0.to(torch::kFloat)).view({1, 1, rows, 1}).to(x.scalar_type());
  return resize_to(torch::lerp(x.index_select(2, i0), x.index_select(2, i1), w1), rows, width);
}

}  // namespace

torch::Tensor guided_rows(const torch::Tensor& a, const torch::Tensor& b, const torch::Tensor& guide_rows, int64_t y0,
                          int64_t height) {
  const int64_t rows = guide_rows.size(2), width = guide_rows.size(3);
  return torch::addcmul(upsampled_rows(b, y0, rows, height, width), upsampled_rows(a, y0, rows, height, width),
                        guide_rows.to(torch::kFloat));
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
  return guided_rows(a, b, guide_hi, 0, guide_hi.size(2));
}

}  // namespace cartoonize
