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

bool truncated_jpeg(const uint8_t* data, size_t size) {
  if (size < 2 || data[0] != 0xFF || data[1] != 0xD8) return false;  // not a JPEG
  // Walk the marker segments (EXIF thumbnails, with their own EOI, sit inside
  // APPn segments and are skipped whole) to the first start-of-scan; from
  // there the entropy-coded data cannot hold FF D9 (0xFF is stuffed as FF 00),
  // so the image's end marker must follow.
  size_t i = 2;
  while (true) {
    if (i >= size || data[i] != 0xFF) return true;  // not a marker: broken or cut
    while (i < size && data[i] == 0xFF) ++i;          // fill bytes before the marker code
    if (i + 2 >= size) return true;
    const uint8_t marker = data[i];
    if (marker == 0xD9) return true;  // EOI before any scan: no image data
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {  // markers without a length
      ++i;
      continue;
    }
    const size_t length = (size_t(data[i + 1]) << 8) | data[i + 2];
    if (length < 2) return true;
    i += 1 + length;
    if (marker == 0xDA) break;
    if (i >= size) return true;
  }
  for (; i + 1 < size; ++i)
    if (data[i] == 0xFF && data[i + 1] == 0xD9) return false;
  return true;
}

torch::Tensor decode_image(const uint8_t* data, size_t size) {
  if (size == 0 || size > size_t(INT32_MAX) || truncated_jpeg(data, size)) return {};
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
