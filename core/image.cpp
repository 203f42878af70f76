#include "image.h"

namespace cartoonize {

int bytes_per_pixel(PixelLayout layout) {
  return (layout == PixelLayout::RGB || layout == PixelLayout::BGR) ? 3 : 4;
}

bool is_bgr_order(PixelLayout layout) {
  return layout == PixelLayout::BGR || layout == PixelLayout::BGRx || layout == PixelLayout::BGRA;
}

const char* layout_name(PixelLayout layout) {
  switch (layout) {
    case PixelLayout::RGB: return "RGB";
    case PixelLayout::BGR: return "BGR";
    case PixelLayout::RGBx: return "RGBx";
    case PixelLayout::BGRx: return "BGRx";
    case PixelLayout::RGBA: return "RGBA";
    case PixelLayout::BGRA: return "BGRA";
  }
  return "?";
}

}  // namespace cartoonize
