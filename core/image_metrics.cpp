#include "image_metrics.h"

#include <cmath>
#include <limits>

namespace cartoonize {
namespace {

// Depthwise 11x11 Gaussian blur (valid region only, as the reference SSIM).
torch::Tensor gaussian_blur(const torch::Tensor& x) {
  const int64_t k = 11;
  torch::Tensor t = torch::arange(k, torch::kDouble) - (k - 1) / 2.0;
  torch::Tensor g = torch::exp(-t * t / (2 * 1.5 * 1.5));
  g = (g / g.sum()).to(x.scalar_type()).to(x.device());
  const int64_t c = x.size(1);
  torch::Tensor w = torch::outer(g, g).expand({c, 1, k, k}).contiguous();
  namespace F = torch::nn::functional;
  return F::conv2d(x, w, F::Conv2dFuncOptions().groups(c));
}

}  // namespace

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
  const torch::Tensor mu_a = gaussian_blur(a), mu_b = gaussian_blur(b);
  const torch::Tensor var_a = gaussian_blur(a * a) - mu_a * mu_a;
  const torch::Tensor var_b = gaussian_blur(b * b) - mu_b * mu_b;
  const torch::Tensor cov = gaussian_blur(a * b) - mu_a * mu_b;
  const torch::Tensor map = ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) /
                            ((mu_a * mu_a + mu_b * mu_b + c1) * (var_a + var_b + c2));
  return map.mean().item<double>();
}

}  // namespace cartoonize
