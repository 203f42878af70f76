// ximgproc SLICO superpixels (Lab), each region filled with its mean colour;
// x in [-1, 1], N x 3 x H x W. The reference for superpixels.h.
#pragma once
#include <torch/torch.h>

namespace cartoonize::train {

torch::Tensor superpixel_mean_ximgproc(const torch::Tensor& x, int region_size = 12, float ruler = 10.f);

}  // namespace cartoonize::train
