// Image similarity for tests and the benchmark: how far a fast path (reduced
// inference size, fp16) strays from the reference output; and the Gaussian
// blur SSIM is built on, which the trainer's outline detector shares.
#pragma once
#include <torch/torch.h>

namespace cartoonize {

// a, b: N x C x H x W with values in [0, peak]. Peak signal-to-noise ratio in
// dB over all values (infinity when equal).
// Separable depthwise Gaussian blur of N x C x H x W (kernel 2*radius+1),
// valid region only: the output is 2*radius smaller in each dimension (pad
// first for a same-size result). In x's dtype and on its device.
torch::Tensor gaussian_blur(const torch::Tensor& x, double sigma, int64_t radius);

double psnr(const torch::Tensor& a, const torch::Tensor& b, double peak = 255.0);

// Mean structural similarity (Wang et al. 2004: 11x11 Gaussian window,
// sigma 1.5, K1 0.01, K2 0.03), per channel, averaged. 1 = identical.
double ssim(const torch::Tensor& a, const torch::Tensor& b, double peak = 255.0);

}  // namespace cartoonize
