#include "image_codec.h"

#include "error.h"

// One translation unit holds the implementations; only what the trainer
// needs is compiled in.
#define STBI_ONLY_JPEG
#define STBI_ONLY_PNG
#define STBI_NO_STDIO
#define STB_IMAGE_IMPLEMENTATION
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STBI_WRITE_NO_STDIO
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"
#include "stb_image.h"
#include "stb_image_write.h"
#pragma GCC diagnostic pop

namespace cartoonize::train {

torch::Tensor decode_image(const uint8_t* data, size_t size) {
  if (size == 0 || size > size_t(INT32_MAX)) return {};
  int w = 0, h = 0, channels = 0;
  // Refuse absurd declared sizes before stb allocates them.
  if (!stbi_info_from_memory(data, int(size), &w, &h, &channels) || w <= 0 || h <= 0 || int64_t(w) * h > (1 << 26))
    return {};
  stbi_uc* pixels = stbi_load_from_memory(data, int(size), &w, &h, &channels, 3);
  if (!pixels) return {};
  torch::Tensor t = torch::from_blob(pixels, {h, w, 3}, torch::kUInt8).clone();
  stbi_image_free(pixels);
  return t;
}

std::vector<uint8_t> encode_png(const torch::Tensor& hwc_rgb) {
  const torch::Tensor img = hwc_rgb.to(torch::kCPU, torch::kUInt8).contiguous();
  if (img.dim() != 3 || img.size(2) != 3) throw Error("encode_png: expected H x W x 3");
  std::vector<uint8_t> out;
  auto append = [](void* ctx, void* data, int n) {
    auto* v = static_cast<std::vector<uint8_t>*>(ctx);
    v->insert(v->end(), static_cast<uint8_t*>(data), static_cast<uint8_t*>(data) + n);
  };
  const int w = int(img.size(1)), h = int(img.size(0));
  if (!stbi_write_png_to_func(append, &out, w, h, 3, img.data_ptr<uint8_t>(), w * 3))
    throw Error("encode_png: cannot encode " + std::to_string(w) + "x" + std::to_string(h));
  return out;
}

}  // namespace cartoonize::train
