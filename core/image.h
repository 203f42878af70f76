// A view on a packed 8-bit frame owned by someone else (a GstVideoFrame, a
// cv::Mat). No LibTorch here: the element includes this header.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace cartoonize {

// Packed layouts the element accepts. For the 4-byte ones, the 4th byte
// (x or alpha) is never touched.
enum class PixelLayout { RGB, BGR, RGBx, BGRx, RGBA, BGRA };

int bytes_per_pixel(PixelLayout layout);
// True when the first byte of a pixel is blue.
bool is_bgr_order(PixelLayout layout);
const char* layout_name(PixelLayout layout);

struct ImageView {
  uint8_t* data = nullptr;
  int width = 0;
  int height = 0;
  std::ptrdiff_t stride = 0;  // bytes from one row to the next
  PixelLayout layout = PixelLayout::RGB;
};

}  // namespace cartoonize
