// The four views of a generated image the losses look at (White-box
// Cartoonization's representations, plus landmarks):
//   surface   - edge-preserving smoothing (guided filter), for D_surface;
//   texture   - a random colour shift to grey, for D_texture;
//   structure - SLIC superpixels filled with their region colour, a content target;
//   landmarks - 68 points from the ported face-api network (see LandmarkLoss).
#pragma once
#include <random>

#include <torch/torch.h>

namespace cartoonize::train {

// guided_filter(x, x, r, eps) on N x 3 x H x W images in [-1, 1].
torch::Tensor surface(const torch::Tensor& x, int r = 5, double eps = 0.2);

// Per-channel weights of one colour shift (R, G, B), drawn as White-box
// Cartoonization does; the same weights go to the fake and the real batch.
torch::Tensor random_shift_weights(std::mt19937_64& rng);
// N x 1 x H x W: sum_c w_c x_c / sum_c w_c.
torch::Tensor color_shift(const torch::Tensor& x, const torch::Tensor& weights);

// SLIC (OpenCV ximgproc, on Lab) superpixels of each image, each region
// filled with its mean colour. No gradient: it is a target. x in [-1, 1].
torch::Tensor superpixel_mean(const torch::Tensor& x, int region_size = 12, float ruler = 10.f);

// Total variation / (C*H*W), squared differences, averaged over the batch.
torch::Tensor variation_loss(const torch::Tensor& x);

}  // namespace cartoonize::train
