// Image similarity for tests and the benchmark: how far a fast path (reduced
// inference size, fp16) strays from the reference output.
#pragma once
#include <torch/torch.h>

namespace cartoonize {

// a, b: N x C x H x W with values in [0, peak]. Peak signal-to-noise ratio in
// dB over all values (infinity when equal).
double psnr(const torch::Tensor& a, const torch::Tensor& b, double peak = 255.0);

// Mean structural similarity (Wang et al. 2004: 11x11 Gaussian window,
// sigma 1.5, K1 0.01, K2 0.03), per channel, averaged. 1 = identical.
double ssim(const torch::Tensor& a, const torch::Tensor& b, double peak = 255.0);

}  // namespace cartoonize
