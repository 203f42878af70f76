// A differentiable guided filter (He et al.) in the box-filter formulation,
// as White-box Cartoonization uses for the surface representation. Box sums
// come from cumulative sums, so the cost does not grow with the radius.
#pragma once
#include <torch/torch.h>

namespace cartoonize::train {

// Mean over a (2r+1)^2 window, clipped at the borders (divides by the number
// of pixels really in the window). x: N x C x H x W.
torch::Tensor box_mean(const torch::Tensor& x, int r);

// Filters p guided by I (N x C x H x W each, same C, or I with 1 channel).
torch::Tensor guided_filter(const torch::Tensor& I, const torch::Tensor& p, int r, double eps);

}  // namespace cartoonize::train
