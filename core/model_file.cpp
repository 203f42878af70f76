#include "model_file.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <vector>

#include "atomic_file.h"
#include "error.h"

namespace cartoonize {
namespace {

constexpr char kMagic[8] = {'C', 'T', 'Z', 'M', 'O', 'D', 'E', 'L'};
constexpr uint32_t kVersion = 1;
constexpr uint32_t kMaxHeader = 1u << 20;  // 1 MiB of text is far more than any model needs
constexpr size_t kAlign = 64;

struct TensorEntry {
  std::vector<int64_t> shape;
  uint64_t offset = 0;
  uint64_t bytes = 0;
};

void put_u32(std::ostream& out, uint32_t v) {
  unsigned char b[4] = {uint8_t(v), uint8_t(v >> 8), uint8_t(v >> 16), uint8_t(v >> 24)};
  out.write(reinterpret_cast<const char*>(b), 4);
}

uint32_t get_u32(const unsigned char* b) {
  return uint32_t(b[0]) | uint32_t(b[1]) << 8 | uint32_t(b[2]) << 16 | uint32_t(b[3]) << 24;
}

std::string shape_str(const std::vector<int64_t>& s) {
  std::ostringstream r;
  for (size_t i = 0; i < s.size(); ++i) r << (i ? "," : "") << s[i];
  return r.str();
}

std::string one_line(std::string s) {
  for (auto& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  return s;
}

// Parses a non-negative decimal integer, bounded; throws with `what` on error.
uint64_t parse_uint(const std::string& s, const std::string& what, uint64_t max) {
  if (s.empty() || s.size() > 20) throw Error("bad " + what + " '" + s + "'");
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') throw Error("bad " + what + " '" + s + "'");
    if (v > (max - uint64_t(c - '0')) / 10) throw Error(what + " too large: " + s);
    v = v * 10 + uint64_t(c - '0');
  }
  return v;
}

std::vector<int64_t> parse_shape(const std::string& s) {
  std::vector<int64_t> shape;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) shape.push_back(int64_t(parse_uint(item, "tensor dimension", 1u << 20)));
  if (shape.empty() || shape.size() > 8) throw Error("bad tensor shape '" + s + "'");
  return shape;
}

Error bad_style(const std::string& name) {
  return Error("bad style name '" + name + "' (1-32 characters of a-z, 0-9, '_' and '-')");
}

// An output filter's amount (eps, contrast): a finite number in [0, 1].
double parse_unit(const std::string& s, const std::string& key) {
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (s.empty() || *end != '\0' || !std::isfinite(v) || v < 0 || v > 1) throw Error("bad " + key + " value '" + s + "'");
  return v;
}

struct Header {
  ModelInfo info;
  uint64_t payload_bytes = 0;
  uint32_t payload_crc = 0;
  std::map<std::string, TensorEntry> tensors;
};

// The keys this build reads. An unknown key is ignored (later versions may
// add lines) unless it is one bit away from one of these: that is a damaged
// line, not a new one.
constexpr const char* kKnownKeys[] = {"header_crc32", "architecture", "width",        "res_blocks",   "input_size",
                                      "normalization", "dtype",       "payload_bytes", "payload_crc32", "tensor",
                                      "provenance",    "style",       "output_lines",  "output_color", "output_guided"};

bool one_bit_apart(const std::string& a, const char* b) {
  if (a.size() != std::strlen(b)) return false;
  int bits = 0;
  for (size_t i = 0; i < a.size(); ++i) bits += __builtin_popcount(unsigned(uint8_t(a[i]) ^ uint8_t(b[i])));
  return bits == 1;
}

// The header's own checksum: the optional `header_crc32 C` line (written
// first by save_model_file) holds the CRC-32 of the header text without that
// line. Files written before it have none and are read as they always were;
// when present it must match.
void check_header_crc(const std::string& text) {
  size_t line_start = std::string::npos, line_end = 0;
  for (size_t at = 0; at < text.size();) {
    size_t end = text.find('\n', at);
    end = end == std::string::npos ? text.size() : end + 1;
    const std::string start = text.substr(at, std::min<size_t>(13, end - at));
    if (start == "header_crc32 ") {
      if (line_start != std::string::npos) throw Error("header_crc32 listed twice");
      line_start = at;
      line_end = end;
    } else if (one_bit_apart(start, "header_crc32 ")) {
      // Its key or the space after it damaged: the line must not pass for
      // an unknown one (that would read the file as one without the line).
      throw Error("damaged header_crc32 line");
    }
    at = end;
  }
  if (line_start == std::string::npos) return;
  std::string value = text.substr(line_start + 13, line_end - line_start - 13);
  if (!value.empty() && value.back() == '\n') value.pop_back();
  const uint32_t stored = uint32_t(parse_uint(value, "header_crc32", 0xffffffffu));
  uint32_t crc = crc32(text.data(), line_start);
  crc = crc32(text.data() + line_end, text.size() - line_end, crc);
  if (crc != stored) throw Error("header checksum mismatch: the header is corrupt");
}

// A header value within [lo, hi] (the ranges the trainer accepts).
int parse_in_range(const std::string& value, const std::string& key, int lo, int hi) {
  const uint64_t v = parse_uint(value, key, uint64_t(1) << 40);
  if (v < uint64_t(lo) || v > uint64_t(hi))
    throw Error(std::string(key).append(" ").append(value).append(" is not in ").append(std::to_string(lo))
                    .append("..").append(std::to_string(hi)));
  return int(v);
}

// The tensor table must describe the weights exactly as save_model_file lays
// them out: in offset order, each at the first 64-byte boundary after the
// previous one, the last ending at payload_bytes. (One flipped bit in an
// offset otherwise loads another tensor's bytes, or padding, silently in
// files without header_crc32.)
void check_layout(const Header& h) {
  std::vector<std::pair<uint64_t, const std::string*>> order;
  for (const auto& t : h.tensors) order.emplace_back(t.second.offset, &t.first);
  std::sort(order.begin(), order.end());
  uint64_t end = 0;
  for (const auto& [offset, name] : order) {
    const TensorEntry& e = h.tensors.at(*name);
    const uint64_t expected = (end + kAlign - 1) / kAlign * kAlign;
    if (offset != expected)
      throw Error("tensor " + *name + " at byte " + std::to_string(offset) + " of the weights, where the layout puts it at " +
                  std::to_string(expected) + " (corrupt tensor table)");
    end = offset + e.bytes;
  }
  if (!order.empty() && end != h.payload_bytes)
    throw Error("the tensors end at byte " + std::to_string(end) + " of " + std::to_string(h.payload_bytes) +
                " weight bytes (corrupt tensor table)");
}

Header parse_header(const std::string& text) {
  check_header_crc(text);
  Header h;
  bool have[6] = {};
  std::stringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    auto sp = line.find(' ');
    std::string key = line.substr(0, sp);
    std::string value = sp == std::string::npos ? "" : line.substr(sp + 1);
    if (key == "architecture") {
      h.info.architecture = value;
      have[0] = true;
    } else if (key == "width") {
      h.info.width = parse_in_range(value, key, 1, 512);
      have[1] = true;
    } else if (key == "res_blocks") {
      h.info.res_blocks = parse_in_range(value, key, 0, 64);
      have[2] = true;
    } else if (key == "input_size") {
      h.info.input_size = parse_in_range(value, key, kMinInputSize, kMaxInputSize);
    } else if (key == "normalization") {
      h.info.normalization = parse_normalization(value);
    } else if (key == "dtype") {
      if (value != "f32" && value != "f16") throw Error("unknown dtype '" + value + "'");
      h.info.dtype = value;
      have[3] = true;
    } else if (key == "payload_bytes") {
      h.payload_bytes = parse_uint(value, "payload_bytes", uint64_t(1) << 40);
      have[4] = true;
    } else if (key == "payload_crc32") {
      h.payload_crc = uint32_t(parse_uint(value, "payload_crc32", 0xffffffffu));
      have[5] = true;
    } else if (key == "tensor") {
      std::stringstream f(value);
      std::string name, shape, off, bytes, extra;
      if (!(f >> name >> shape >> off >> bytes) || (f >> extra)) throw Error("bad tensor line '" + line + "'");
      TensorEntry e;
      e.shape = parse_shape(shape);
      e.offset = parse_uint(off, "tensor offset", uint64_t(1) << 40);
      e.bytes = parse_uint(bytes, "tensor size", uint64_t(1) << 40);
      if (!h.tensors.emplace(name, e).second) throw Error("tensor " + name + " listed twice");
    } else if (key == "provenance") {
      h.info.provenance_json = value;
    } else if (key == "output_color") {
      h.info.output_filter.color = parse_unit(value, key);
    } else if (key == "output_guided" || key == "output_lines") {
      std::stringstream f(value);
      std::string radius, amount, extra;
      if (!(f >> radius >> amount) || (f >> extra)) throw Error("bad " + key + " line '" + line + "'");
      const int r = int(parse_uint(radius, key + " radius", 64));
      const double v = parse_unit(amount, key);
      if (key == "output_guided") h.info.output_filter.radius = r, h.info.output_filter.eps = v;
      else h.info.output_filter.line_radius = r, h.info.output_filter.line_contrast = v;
    } else if (key == "style") {
      if (!valid_style_name(value)) throw bad_style(value);
      h.info.style = value;
    } else if (key != "header_crc32") {
      // Unknown keys: ignored, so later versions can add information.
      for (const char* known : kKnownKeys)
        if (one_bit_apart(key, known))
          throw Error("damaged line '" + key + " ...' (one bit from '" + known + "')");
    }
  }
  static const char* names[6] = {"architecture", "width", "res_blocks", "dtype", "payload_bytes", "payload_crc32"};
  for (int i = 0; i < 6; ++i)
    if (!have[i]) throw Error(std::string("header lacks '") + names[i] + "'");
  if (h.info.architecture != "unet-wbc")
    throw Error("unknown architecture '" + h.info.architecture + "' (this build knows unet-wbc)");
  check_layout(h);
  return h;
}

}  // namespace

uint32_t crc32(const void* data, size_t size, uint32_t crc) {
  static uint32_t table[256];
  static bool init = [] {
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      table[i] = c;
    }
    return true;
  }();
  (void)init;
  crc = ~crc;
  auto p = static_cast<const unsigned char*>(data);
  for (size_t i = 0; i < size; ++i) crc = table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
  return ~crc;
}

bool is_zip_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  char b[4] = {};
  return f.read(b, 4) && b[0] == 'P' && b[1] == 'K' && b[2] == 3 && b[3] == 4;
}

namespace {

uint64_t get_u16(const unsigned char* b) { return uint64_t(b[0]) | uint64_t(b[1]) << 8; }
uint64_t get_u64(const unsigned char* b) { return get_u32(b) | uint64_t(get_u32(b + 4)) << 32; }

std::string read_at(std::ifstream& in, uint64_t offset, uint64_t size) {
  std::string bytes(size, '\0');
  in.seekg(std::streamoff(offset));
  if (!in.read(bytes.data(), std::streamsize(size))) throw Error("read error");
  return bytes;
}

}  // namespace

// Finds the central directory the way miniz (LibTorch's zip reader) does: the
// last end-of-central-directory record, and its zip64 twin right before it.
void check_zip_sizes(const std::string& path) {
  auto fail = [&](const std::string& why) -> Error {
    return Error("model file " + path + ": not a loadable TorchScript module: " + why);
  };
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw fail(std::string("cannot open: ") + std::strerror(errno));
  const uint64_t size = uint64_t(in.tellg());
  const uint64_t tail_size = std::min<uint64_t>(size, 22 + 65535);
  const std::string tail = read_at(in, size - tail_size, tail_size);
  const auto* t = reinterpret_cast<const unsigned char*>(tail.data());
  int64_t eocd = -1;
  for (int64_t i = int64_t(tail_size) - 22; i >= 0 && eocd < 0; --i)
    if (get_u32(t + i) == 0x06054b50u) eocd = i;
  if (eocd < 0) throw fail("not a zip archive (no end of central directory)");
  uint64_t entries = get_u16(t + eocd + 10), cd_size = get_u32(t + eocd + 12), cd_offset = get_u32(t + eocd + 16);
  if (eocd >= 20 && get_u32(t + eocd - 20) == 0x07064b50u) {
    const uint64_t z64 = get_u64(t + eocd - 12);
    if (z64 > size || size - z64 < 56) throw fail("corrupt zip64 directory");
    const std::string rec = read_at(in, z64, 56);
    const auto* r = reinterpret_cast<const unsigned char*>(rec.data());
    if (get_u32(r) != 0x06064b50u) throw fail("corrupt zip64 directory");
    entries = get_u64(r + 32), cd_size = get_u64(r + 40), cd_offset = get_u64(r + 48);
  }
  if (cd_offset > size || cd_size > size - cd_offset) throw fail("zip directory lies outside the file (truncated?)");
  const std::string cd = read_at(in, cd_offset, cd_size);
  const auto* c = reinterpret_cast<const unsigned char*>(cd.data());
  // Deflate expands at most 1032:1, stored entries not at all: together the
  // entries may claim at most 1032 x the file size. A forged size (a 2 KB
  // file declaring a 4 GB entry) would otherwise be allocated by LibTorch
  // before it notices the data is not there.
  constexpr uint64_t kMaxRatio = 1032;
  uint64_t total = 0, pos = 0;
  for (uint64_t n = 0; n < entries; ++n) {
    if (cd_size - pos < 46 || get_u32(c + pos) != 0x02014b50u) throw fail("corrupt zip directory");
    const uint64_t method = get_u16(c + pos + 10), name_len = get_u16(c + pos + 28),
                   extra_len = get_u16(c + pos + 30), comment_len = get_u16(c + pos + 32);
    uint64_t comp = get_u32(c + pos + 20), uncomp = get_u32(c + pos + 24), local = get_u32(c + pos + 42);
    if (cd_size - pos - 46 < name_len + extra_len + comment_len) throw fail("corrupt zip directory");
    // zip64 extra field: 64-bit values for the 32-bit fields that say 0xffffffff.
    for (uint64_t e = pos + 46 + name_len, end = e + extra_len; end - e >= 4;) {
      const uint64_t id = get_u16(c + e), len = get_u16(c + e + 2), data = e + 4;
      if (end - data < len) break;
      uint64_t f = data;
      if (id == 1) {
        if (uncomp == 0xffffffffu && data + len - f >= 8) uncomp = get_u64(c + f), f += 8;
        if (comp == 0xffffffffu && data + len - f >= 8) comp = get_u64(c + f), f += 8;
        if (local == 0xffffffffu && data + len - f >= 8) local = get_u64(c + f), f += 8;
      }
      e = data + len;
    }
    const std::string name(cd.data() + pos + 46, name_len);
    if (method != 0 && method != 8)
      throw fail("zip entry " + name + " uses compression method " + std::to_string(method) + " (stored or deflate only)");
    if (local > size || comp > size - local) throw fail("zip entry " + name + " lies outside the file (truncated?)");
    if ((method == 0 && uncomp != comp) || uncomp > comp * kMaxRatio + 64)
      throw fail("zip entry " + name + " declares " + std::to_string(uncomp) + " bytes from " + std::to_string(comp) +
                 " (corrupt)");
    total += uncomp;
    if (total > size * kMaxRatio) throw fail("zip entries declare more data than the file can hold (corrupt)");
    pos += 46 + name_len + extra_len + comment_len;
  }
}

void save_model_file(const std::string& path, Generator& generator, const ModelInfo& info_in, bool half) {
  ModelInfo info = info_in;
  info.format = ModelFormat::Native;
  info.architecture = "unet-wbc";
  info.width = generator->config().width;
  info.res_blocks = generator->config().res_blocks;
  info.dtype = half ? "f16" : "f32";
  if (info.input_size < kMinInputSize || info.input_size > kMaxInputSize)
    throw Error("input_size " + std::to_string(info.input_size) + " is not in " + std::to_string(kMinInputSize) + ".." +
                std::to_string(kMaxInputSize));

  std::string payload;
  std::ostringstream table;
  for (const auto& item : generator->named_parameters()) {
    torch::Tensor t = item.value().detach().to(torch::kCPU, half ? torch::kHalf : torch::kFloat).contiguous();
    payload.resize((payload.size() + kAlign - 1) / kAlign * kAlign, '\0');
    const size_t bytes = size_t(t.numel()) * t.element_size();
    table << "tensor " << item.key() << ' ' << shape_str(t.sizes().vec()) << ' ' << payload.size() << ' '
          << bytes << '\n';
    payload.append(static_cast<const char*>(t.data_ptr()), bytes);
  }
  std::ostringstream header;
  header << "architecture " << info.architecture << '\n'
         << "width " << info.width << '\n'
         << "res_blocks " << info.res_blocks << '\n'
         << "input_size " << info.input_size << '\n'
         << "normalization " << normalization_name(info.normalization) << '\n'
         << "dtype " << info.dtype << '\n'
         << "payload_bytes " << payload.size() << '\n'
         << "payload_crc32 " << crc32(payload.data(), payload.size()) << '\n'
         << table.str() << "provenance " << one_line(info.provenance_json) << '\n';
  const OutputFilter& f = info.output_filter;
  if (f.line_radius > 0) header << "output_lines " << f.line_radius << ' ' << f.line_contrast << '\n';
  if (f.color > 0) header << "output_color " << f.color << '\n';
  if (f.radius > 0) header << "output_guided " << f.radius << ' ' << f.eps << '\n';
  if (!info.style.empty()) {
    if (!valid_style_name(info.style)) throw bad_style(info.style);
    header << "style " << info.style << '\n';
  }
  // The header's own checksum goes first: a header cut short or run on into
  // the weights (a damaged length) changes the text it covers.
  const std::string body = header.str();
  const std::string head =
      std::string("header_crc32 ").append(std::to_string(crc32(body.data(), body.size()))).append("\n").append(body);
  write_file_atomically(path, [&](std::ostream& out) {
    out.write(kMagic, sizeof kMagic);
    put_u32(out, kVersion);
    put_u32(out, uint32_t(head.size()));
    out.write(head.data(), std::streamsize(head.size()));
    out.write(payload.data(), std::streamsize(payload.size()));
  });
}

namespace {

// A model file opened and its header parsed; `in` stands at the weights.
struct OpenedModel {
  std::ifstream in;
  uint64_t available = 0;  // bytes after the header
  Header header;
};

OpenedModel open_model(const std::string& path) {
  auto fail = [&](const std::string& why) -> Error { return Error("model file " + path + ": " + why); };
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw fail(std::strerror(errno));
  if (S_ISDIR(st.st_mode)) throw fail("is a directory, not a model file");
  if (!S_ISREG(st.st_mode)) throw fail("is not a regular file");
  OpenedModel m;
  std::ifstream& in = m.in;
  in.open(path, std::ios::binary);
  if (!in) throw fail(std::string("cannot open: ") + std::strerror(errno));
  const uint64_t size = uint64_t(st.st_size);
  if (size == 0) throw fail("is empty");
  unsigned char fixed[16];
  if (size < sizeof fixed || !in.read(reinterpret_cast<char*>(fixed), sizeof fixed))
    throw fail("is truncated (" + std::to_string(size) + " bytes)");
  if (std::memcmp(fixed, kMagic, sizeof kMagic) != 0)
    throw fail("not a gst-cartoonize model (bad magic; expected a .ctzm file or a TorchScript archive)");
  const uint32_t version = get_u32(fixed + 8);
  if (version != kVersion)
    throw fail("unsupported format version " + std::to_string(version) + " (this build reads version 1)");
  const uint32_t header_len = get_u32(fixed + 12);
  if (header_len > kMaxHeader) throw fail("header size " + std::to_string(header_len) + " is implausible (corrupt)");
  if (header_len > size - sizeof fixed) throw fail("is truncated inside its header");
  std::string text(header_len, '\0');
  if (!in.read(text.data(), header_len)) throw fail("is truncated inside its header");

  try {
    m.header = parse_header(text);
  } catch (const Error& e) {
    throw fail(std::string("bad header: ") + e.what());
  }
  m.available = size - sizeof fixed - header_len;
  return m;
}

}  // namespace

ModelInfo read_model_header(const std::string& path) {
  ModelInfo info = open_model(path).header.info;
  info.format = ModelFormat::Native;
  return info;
}

NativeModel load_model_file(const std::string& path) {
  auto fail = [&](const std::string& why) -> Error { return Error("model file " + path + ": " + why); };
  OpenedModel opened = open_model(path);
  std::ifstream& in = opened.in;
  const Header& h = opened.header;
  const uint64_t available = opened.available;
  if (available < h.payload_bytes)
    throw fail("is truncated: " + std::to_string(available) + " of " + std::to_string(h.payload_bytes) +
               " weight bytes present");
  if (available > h.payload_bytes) throw fail("has " + std::to_string(available - h.payload_bytes) + " trailing bytes (corrupt)");
  std::string payload(h.payload_bytes, '\0');
  if (!in.read(payload.data(), std::streamsize(h.payload_bytes))) throw fail("read error in weights");
  if (crc32(payload.data(), payload.size()) != h.payload_crc) throw fail("checksum mismatch: the weights are corrupt");
  const auto dtype = h.info.dtype == "f16" ? torch::kHalf : torch::kFloat;
  const uint64_t elem = h.info.dtype == "f16" ? 2 : 4;

  // Bound the allocation by what the file really holds before building the
  // network: a forged header must not make us allocate gigabytes.
  const GeneratorConfig config{h.info.width, h.info.res_blocks};
  if (expected_parameter_count(config) * elem > h.payload_bytes)
    throw fail("wrong architecture: width " + std::to_string(h.info.width) + " with " +
               std::to_string(h.info.res_blocks) + " res blocks needs more weights than the file holds");

  NativeModel model;
  model.info = h.info;
  model.info.format = ModelFormat::Native;
  model.generator = Generator(config);
  torch::NoGradGuard no_grad;
  size_t used = 0;
  for (auto& item : model.generator->named_parameters()) {
    auto it = h.tensors.find(item.key());
    if (it == h.tensors.end())
      throw fail("wrong architecture: tensor " + item.key() + " is missing (width " + std::to_string(h.info.width) +
                 ", " + std::to_string(h.info.res_blocks) + " res blocks)");
    const TensorEntry& e = it->second;
    const auto want = item.value().sizes().vec();
    if (e.shape != want)
      throw fail("shape mismatch for " + item.key() + ": file has [" + shape_str(e.shape) + "], architecture needs [" +
                 shape_str(want) + "]");
    const uint64_t numel = uint64_t(item.value().numel());
    if (e.bytes != numel * elem) throw fail("size of tensor " + item.key() + " does not match its shape");
    if (e.offset > h.payload_bytes || e.bytes > h.payload_bytes - e.offset)
      throw fail("tensor " + item.key() + " lies outside the weights");
    auto src = torch::from_blob(payload.data() + e.offset, want, dtype).to(torch::kFloat);
    if (!torch::isfinite(src).all().item<bool>()) throw fail("tensor " + item.key() + " contains NaN or Inf");
    item.value().copy_(src);
    ++used;
  }
  if (used != h.tensors.size()) {
    for (const auto& t : h.tensors)
      if (!model.generator->named_parameters().contains(t.first))
        throw fail("wrong architecture: unexpected tensor " + t.first);
  }
  model.generator->eval();
  return model;
}

const char* normalization_name(Normalization n) {
  return n == Normalization::ZeroOne ? "zero_one" : "minus_one_one";
}

bool valid_style_name(const std::string& name) {
  if (name.empty() || name.size() > 32) return false;
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
  return true;
}

Normalization parse_normalization(const std::string& s) {
  if (s == "minus_one_one") return Normalization::MinusOneOne;
  if (s == "zero_one") return Normalization::ZeroOne;
  throw Error("unknown normalization '" + s + "' (minus_one_one or zero_one)");
}

}  // namespace cartoonize
