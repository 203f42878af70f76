// gpu-check's CUDA graph part: frame mode with cuda_graphs on against the
// same engine settings run eagerly, frame after frame, through a change of
// frame size and back (capture, replay, re-capture). LibTorch only.
#pragma once
#include <string>
#include <vector>

#include <torch/torch.h>

#include "checks.h"

namespace cartoonize::bench {

// small, large: H x W x 3 uint8 frames of two sizes. Needs a CUDA device.
std::vector<Check> graph_checks(const std::string& model, const torch::Tensor& small, const torch::Tensor& large);

}  // namespace cartoonize::bench
