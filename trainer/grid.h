// PNG grids of images for a person to look at: training samples, test output.
#pragma once
#include <string>
#include <vector>

#include <torch/torch.h>

namespace cartoonize::train {

// Each tensor (N x 3 x H x W, [-1, 1]) becomes one column of N images, so
// {inputs, outputs} gives an input | output pair per row. Written atomically.
void write_grid(const std::string& path, const std::vector<torch::Tensor>& columns, int max_rows = 8);

}  // namespace cartoonize::train
