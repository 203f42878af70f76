// The engine's finishing step on face cartoons (ModelInfo::output_filter):
// strokes the photo has no line for are closed over, the photo's chroma is
// carried, then an optional guided filter. Plain LibTorch on tensors of the
// engine's device.
#pragma once
#include <torch/torch.h>

#include "model_info.h"

namespace cartoonize {

// Grey-level closing (dilation then erosion) minus the image, over
// (2r+1)^2 squares: how much darker than its surroundings each pixel is when
// it lies in a dark structure at most 2r+1 px wide. x: N x C x H x W.
torch::Tensor black_hat(const torch::Tensor& x, int radius);

// x01: the input crops, y01: the generator's crops, both N x 3 x H x W fp32
// in [0, 1]. Returns y01 with the filter's steps applied (the input itself
// when the filter is off).
torch::Tensor apply_output_filter(const torch::Tensor& x01, const torch::Tensor& y01, const OutputFilter& filter);

}  // namespace cartoonize
