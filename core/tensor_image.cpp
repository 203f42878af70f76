#include "tensor_image.h"

namespace cartoonize {

torch::Tensor wrap_packed(const ImageView& image) {
  const int64_t bpp = bytes_per_pixel(image.layout);
  return torch::from_blob(image.data, {image.height, image.width, bpp}, {image.stride, bpp, 1}, torch::kUInt8);
}

namespace {
// Reorders the last dimension between R,G,B and the frame's byte order
// (flip() copies, so it is applied to the data, never to the frame's view).
torch::Tensor swap_if_bgr(const torch::Tensor& hwc, PixelLayout layout) {
  return is_bgr_order(layout) ? hwc.flip({2}) : hwc;
}
}  // namespace

torch::Tensor packed_to_rgb(const ImageView& image) {
  auto colour = wrap_packed(image).narrow(2, 0, 3);
  return swap_if_bgr(colour, image.layout).permute({2, 0, 1}).unsqueeze(0).to(torch::kFloat);
}

void rgb_to_packed(const torch::Tensor& rgb, const ImageView& image) {
  auto bytes = rgb.squeeze(0).permute({1, 2, 0}).round().clamp(0, 255).to(torch::kCPU, torch::kUInt8);
  wrap_packed(image).narrow(2, 0, 3).copy_(swap_if_bgr(bytes, image.layout));
}

torch::Tensor to_model_range(const torch::Tensor& rgb255, Normalization n) {
  return n == Normalization::ZeroOne ? rgb255 / 255.0 : rgb255 / 127.5 - 1.0;
}

torch::Tensor from_model_range(const torch::Tensor& x, Normalization n) {
  return n == Normalization::ZeroOne ? x * 255.0 : (x + 1.0) * 127.5;
}

}  // namespace cartoonize
