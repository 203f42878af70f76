// gpu-check's verdicts: one row per comparison of two outputs, printed as it
// is made and gathered into gpu-check.md. LibTorch only.
#pragma once
#include <string>
#include <vector>

#include <torch/torch.h>

namespace cartoonize::bench {

struct Check {
  std::string name;
  double psnr = 0, mean_diff = 0, max_diff = 0, frac_within_2 = 0;  // in 8-bit levels
  bool pass = false;
};

// got/want: uint8 tensors of one shape (frames H x W x 3, crops N x S x S x 3).
// Passes when PSNR >= min_psnr, mean |diff| <= max_mean, max |diff| <=
// max_diff and at least min_within_2 of the values are within 2 levels.
Check compare_bytes(const std::string& name, const torch::Tensor& got, const torch::Tensor& want, double min_psnr,
                    double max_mean, int max_diff, double min_within_2 = 0.999);
// A yes/no check (no pixels to compare).
Check verdict(const std::string& name, bool pass);

// The Markdown table of the checks.
std::string checks_markdown(const std::vector<Check>& checks);

}  // namespace cartoonize::bench
