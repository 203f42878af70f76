// Fast guided upsampling (Wu et al., "Fast End-to-End Trainable Guided
// Filter", CVPR 2018): the generator runs on a downscaled frame and its output
// is brought back to full resolution by a per-channel guided filter whose
// local linear coefficients (A, b) are fitted at low resolution between the
// downscaled input and the low-resolution output, upsampled bilinearly, and
// applied to the full-resolution input: out = A_up * input + b_up. Edges come
// from the full-resolution frame, colours from the network. Plain LibTorch:
// runs on the CPU and on CUDA alike.
#pragma once
#include <torch/torch.h>

namespace cartoonize {

struct GuidedUpsampleOptions {
  int radius = 3;        // box window radius at low resolution, in low-res pixels
  double eps = 1e-4;     // regulariser on the guide's variance (values in [0, 1])
};

// guide_hi: N x C x H x W; guide_lo: N x C x h x w (guide_hi downscaled);
// out_lo: N x C x h x w (what the network made of guide_lo). C may be 1 or 3
// (per channel). Computed in fp32 whatever the inputs' dtype (variances in
// fp16 cancel out). Returns N x C x H x W fp32.
torch::Tensor guided_upsample(const torch::Tensor& guide_hi, const torch::Tensor& guide_lo,
                              const torch::Tensor& out_lo, const GuidedUpsampleOptions& options = {});

// Mean over a (2r+1)^2 window, only counting pixels inside the image
// (cumulative sums: the cost does not grow with the radius). Differentiable.
torch::Tensor box_mean(const torch::Tensor& x, int radius);

// The guided filter's (He et al.) local linear model of p against `guide`,
// averaged over each window: (A, b) such that the filtered p is A*guide + b.
// guide: N x C x H x W (or N x 1 x H x W); p: N x C x H x W. Differentiable;
// computed in the inputs' dtype.
std::pair<torch::Tensor, torch::Tensor> guided_coefficients(const torch::Tensor& guide, const torch::Tensor& p,
                                                            int radius, double eps);

// Rows [y0, y0 + rows) of the full-resolution result of guided_upsample,
// from the low-resolution coefficients (a, b) of guided_coefficients and
// those rows of the full-resolution guide (N x C x rows x W): A and b are
// upsampled bilinearly (as resize_to to height x W) for these rows only, so
// a frame can be finished band by band in bounded memory.
torch::Tensor guided_rows(const torch::Tensor& a, const torch::Tensor& b, const torch::Tensor& guide_rows, int64_t y0,
                          int64_t height);

// The guided filter itself: A*guide + b (the trainer's surface representation).
torch::Tensor guided_filter(const torch::Tensor& guide, const torch::Tensor& p, int radius, double eps);

// The size a frame of height x width is reduced to so that its long side is
// `long_side` (rounded, at least 1 px); the size itself when long_side <= 0 or
// the frame is not larger.
std::pair<int64_t, int64_t> reduced_size(int64_t height, int64_t width, int long_side);

// The size a frame of height x width is scaled to so that it has at most
// `max_pixels` pixels, aspect kept (each side rounded down, at least 1 px);
// the size itself when max_pixels <= 0 or the frame fits.
std::pair<int64_t, int64_t> fitted_size(int64_t height, int64_t width, int64_t max_pixels);

// Area-style (antialiased bilinear) resize of N x C x H x W to height x width.
torch::Tensor resize_to(const torch::Tensor& x, int64_t height, int64_t width);

}  // namespace cartoonize
