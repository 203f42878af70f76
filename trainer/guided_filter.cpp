#include "guided_filter.h"

namespace cartoonize::train {
namespace {

// Sum over windows [i-r, i+r] along `dim`, clipped to the tensor.
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

torch::Tensor box_mean(const torch::Tensor& x, int r) {
  const int64_t h = x.size(2), w = x.size(3);
  auto ones = torch::ones({1, 1, h, w}, x.options());
  auto count = window_sum(window_sum(ones, 2, r), 3, r);
  return window_sum(window_sum(x, 2, r), 3, r) / count;
}

torch::Tensor guided_filter(const torch::Tensor& I, const torch::Tensor& p, int r, double eps) {
  auto mean_I = box_mean(I, r);
  auto mean_p = box_mean(p, r);
  auto cov_Ip = box_mean(I * p, r) - mean_I * mean_p;
  auto var_I = box_mean(I * I, r) - mean_I * mean_I;
  auto a = cov_Ip / (var_I + eps);
  auto b = mean_p - a * mean_I;
  return box_mean(a, r) * I + box_mean(b, r);
}

}  // namespace cartoonize::train
