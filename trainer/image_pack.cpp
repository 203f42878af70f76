#include "image_pack.h"

#include <cstring>
#include <fstream>

#include "atomic_file.h"
#include "error.h"
#include "image_codec.h"

namespace cartoonize::train {
namespace {

constexpr char kMagic[8] = {'C', 'T', 'Z', 'P', 'A', 'C', 'K', '1'};
constexpr uint32_t kMaxSide = 4096, kMaxName = 4096;

void put_u32(std::ostream& out, uint32_t v) {
  const uint8_t b[4] = {uint8_t(v), uint8_t(v >> 8), uint8_t(v >> 16), uint8_t(v >> 24)};
  out.write(reinterpret_cast<const char*>(b), 4);
}

// A bounds-checked cursor over the file's bytes.
struct Reader {
  const std::vector<uint8_t>& data;
  const std::string& path;
  size_t pos = 0;
  uint32_t u32() {
    need(4);
    const uint8_t* p = data.data() + pos;
    pos += 4;
    return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
  }
  const uint8_t* take(size_t n) {
    need(n);
    const uint8_t* p = data.data() + pos;
    pos += n;
    return p;
  }
  void need(size_t n) const {
    if (n > data.size() - pos)
      throw Error(path + ": truncated image pack (needs " + std::to_string(n) + " more bytes at offset " +
                  std::to_string(pos) + " of " + std::to_string(data.size()) + ")");
  }
};

}  // namespace

bool is_image_pack(const std::string& path) {
  return path.size() > 5 && path.compare(path.size() - 5, 5, ".ctzp") == 0;
}

void write_image_pack(const std::string& path, int side, const std::vector<PackEntry>& entries) {
  if (entries.empty()) throw Error("no images to pack into " + path);
  if (side <= 0 || uint32_t(side) > kMaxSide) throw Error("pack side must be 1.." + std::to_string(kMaxSide));
  write_file_atomically(path, [&](std::ostream& out) {
    out.write(kMagic, sizeof kMagic);
    put_u32(out, uint32_t(entries.size()));
    put_u32(out, uint32_t(side));
    for (const auto& e : entries) {
      put_u32(out, uint32_t(e.name.size()));
      out.write(e.name.data(), std::streamsize(e.name.size()));
      put_u32(out, uint32_t(e.bytes.size()));
      out.write(reinterpret_cast<const char*>(e.bytes.data()), std::streamsize(e.bytes.size()));
    }
  });
}

ImagePack read_image_pack(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot open image pack " + path + ": " + std::strerror(errno));
  const std::vector<uint8_t> data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  Reader r{data, path};
  if (data.size() < sizeof kMagic || std::memcmp(r.take(sizeof kMagic), kMagic, sizeof kMagic) != 0)
    throw Error(path + ": not an image pack (no CTZPACK1 magic; write one with `cartoonize-train pack`)");
  const uint32_t count = r.u32(), side = r.u32();
  if (side == 0 || side > kMaxSide) throw Error(path + ": implausible image side " + std::to_string(side));
  // Each entry takes at least 8 bytes: a forged count cannot make us reserve much.
  if (count == 0 || count > (data.size() - r.pos) / 8) throw Error(path + ": implausible image count " + std::to_string(count));
  ImagePack pack;
  std::vector<torch::Tensor> images;
  for (uint32_t i = 0; i < count; ++i) {
    const uint32_t name_len = r.u32();
    if (name_len > kMaxName) throw Error(path + ": implausible name length in entry " + std::to_string(i));
    const uint8_t* name = r.take(name_len);
    const uint32_t len = r.u32();
    const uint8_t* bytes = r.take(len);
    torch::Tensor img = decode_image(bytes, len);
    if (!img.defined() || img.size(0) != side || img.size(1) != side) {
      ++pack.skipped;
      continue;
    }
    pack.names.emplace_back(reinterpret_cast<const char*>(name), name_len);
    images.push_back(img.permute({2, 0, 1}));
  }
  if (images.empty()) throw Error(path + ": no entry decodes to a " + std::to_string(side) + " px RGB image");
  pack.images = torch::stack(images).contiguous();
  return pack;
}

}  // namespace cartoonize::train
