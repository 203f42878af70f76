// Image bytes <-> tensors without OpenCV (stb_image / stb_image_write, in
// third_party/stb), so the LibTorch-only build (-Dcore_only=true, the GPU
// machine) can read image packs and write sample grids.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <torch/torch.h>

namespace cartoonize::train {

// True for JPEG bytes that stop before the end of their image (no EOI marker
// after the first scan): decoders fill the missing rows with grey and succeed,
// so a truncated download would become a training image. False for anything
// that is not a JPEG.
bool truncated_jpeg(const uint8_t* data, size_t size);

// Decodes JPEG/PNG bytes to an H x W x 3 uint8 RGB tensor; an undefined
// tensor when the bytes are not a readable image (truncated JPEGs included).
torch::Tensor decode_image(const uint8_t* data, size_t size);

// PNG bytes of an H x W x 3 uint8 RGB tensor (contiguous, on the CPU).
std::vector<uint8_t> encode_png(const torch::Tensor& hwc_rgb);

}  // namespace cartoonize::train
