// Image packs (.ctzp): many same-size training images in one compact file, so
// a training slice can run where no image folder or OpenCV is (the GPU
// machine) and its data fits beside the checkout. Written by
// `cartoonize-train pack` on the development machine; read here with
// LibTorch and stb_image only. Layout (integers little-endian u32):
//   "CTZPACK1" | count | side | count x (name length | name | image length | JPEG or PNG bytes)
// Every image is side x side RGB; names are the source file names, so the
// held-out split (split.h) can be checked on a pack.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <torch/torch.h>

namespace cartoonize::train {

struct PackEntry {
  std::string name;
  std::vector<uint8_t> bytes;  // encoded image
};

// Writes the entries atomically. Throws Error on an empty list or I/O failure.
void write_image_pack(const std::string& path, int side, const std::vector<PackEntry>& entries);

struct ImagePack {
  std::vector<std::string> names;
  torch::Tensor images;  // N x 3 x side x side, uint8 RGB, CPU
  int64_t skipped = 0;   // entries that did not decode to side x side RGB
};

// Reads and decodes a whole pack. Throws Error naming the problem (missing
// file, bad magic, truncated, implausible counts, no decodable image).
ImagePack read_image_pack(const std::string& path);

// True when the path names a pack (by its extension).
bool is_image_pack(const std::string& path);

}  // namespace cartoonize::train
