// Superpixels in LibTorch, batched, on any device: SLIC (Achanta et al.
// 2012) as k-means on (CIELAB colour, position) where each pixel compares
// itself only with the centres of the 3 x 3 grid cells around its own. No
// connectivity pass: a region may come out in a few pieces, which does not
// matter to the structure loss (it only needs flat region colours).
#pragma once
#include <torch/torch.h>

namespace cartoonize::train {

// CIELAB (D65; L in [0, 100]) of RGB images in [0, 1], N x 3 x H x W.
torch::Tensor rgb_to_lab(const torch::Tensor& rgb01);

// Region label of each pixel (N x H x W, int64 in [0, cells)), cells of
// about region_size px; compactness weighs position against colour (SLIC's m).
torch::Tensor slic_labels(const torch::Tensor& rgb01, int region_size, double compactness = 10, int iterations = 5);

// Each pixel replaced by the mean of its region (per image, per channel).
torch::Tensor region_mean(const torch::Tensor& x, const torch::Tensor& labels, int64_t regions);

}  // namespace cartoonize::train
