#include "image_metrics.h"

#include <cmath>
#include <limits>

namespace cartoonize {

torch::Tensor gaussian_blur(const torch::Tensor& x, double sigma, int64_t radius) {
  torch::Tensor t = torch::arange(-radius, radius + 1, torch::kDouble);
  torch::Tensor g = torch::exp(-t * t / (2 * sigma * sigma));
  g = (g / g.sum()).to(x.scalar_type()).to(x.device());
  const int64_t c = x.size(1);
  namespace F = torch::nn::functional;
  const auto depthwise = F::Conv2dFuncOptions().groups(c);
  const torch::Tensor rows = F::conv2d(x, g.view({1, 1, 1, -1}).expand({c, 1, 1, 2 * radius + 1}).contiguous(), depthwise);
  return F::conv2d(rows, g.view({1, 1, -1, 1}).expand({c, 1, 2 * radius + 1, 1}).contiguous(), depthwise);
}

double psnr(const torch::Tensor& a, const torch::Tensor& b, double peak) {
  TORCH_CHECK(a.sizes() == b.sizes(), "psnr: sizes differ ", a.sizes(), " vs ", b.sizes());
  const double mse = (a.to(torch::kDouble) - b.to(torch::kDouble)).pow(2).mean().item<double>();
  if (mse == 0) return std::numeric_limits<double>::infinity();
  return 10.0 * std::log10(peak * peak / mse);
}

double ssim(const torch::Tensor& a_in, const torch::Tensor& b_in, double peak) {
  TORCH_CHECK(a_in.sizes() == b_in.sizes() && a_in.dim() == 4, "ssim: equal N x C x H x W tensors needed");
  TORCH_CHECK(a_in.size(2) >= 11 && a_in.size(3) >= 11, "ssim: images must be at least 11x11");
  const torch::Tensor a = a_in.to(torch::kDouble), b = b_in.to(torch::kDouble);
  const double c1 = std::pow(0.01 * peak, 2), c2 = std::pow(0.03 * peak, 2);
  // The reference window: 11x11, sigma 1.5, valid region only.
  auto blur = [](const torch::Tensor& x) { return gaussian_blur(x, 1.5, 5); };
  const torch::Tensor mu_a = blur(a), mu_b = blur(b);
  const torch::Tensor var_a = blur(a * a) - mu_a * mu_a;
  const torch::Tensor var_b = blur(b * b) - mu_b * mu_b;
  const torch::Tensor cov = blur(a * b) - mu_a * mu_b;
  const torch::Tensor map = ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) /
                            ((mu_a * mu_a + mu_b * mu_b + c1) * (var_a + var_b + c2));
  return map.mean().item<double>();
}

}  // namespace cartoonize
