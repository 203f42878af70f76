// Between packed 8-bit frames (ImageView) and LibTorch tensors.
#pragma once
#include <torch/torch.h>

#include "image.h"
#include "model_info.h"

namespace cartoonize {

// The frame as an H x W x bytes_per_pixel uint8 tensor over the caller's
// memory (no copy); rows may be padded (stride > width * bpp).
torch::Tensor wrap_packed(const ImageView& image);

// 1 x 3 x H x W float RGB in [0, 255], copied out of the frame.
torch::Tensor packed_to_rgb(const ImageView& image);

// Rounds and clamps a 1 x 3 x H x W float RGB tensor in [0, 255] (any device)
// into the frame's colour bytes; the 4th byte of 4-byte layouts is untouched.
void rgb_to_packed(const torch::Tensor& rgb, const ImageView& image);

// [0, 255] <-> the model's input range.
torch::Tensor to_model_range(const torch::Tensor& rgb255, Normalization n);
torch::Tensor from_model_range(const torch::Tensor& x, Normalization n);

}  // namespace cartoonize
