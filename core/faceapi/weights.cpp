// See weights.h. The manifest is parsed completely and every size is checked
// against the shards before any tensor is built, so a damaged file yields one
// clear message instead of an out-of-bounds read.
#include "weights.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "error.h"
#include "mini_json.h"

namespace cartoonize::faceapi {

namespace {

static_assert(std::endian::native == std::endian::little,
              "tfjs .bin data is little-endian; a big-endian host needs byte swapping here");

struct TensorSpec {
  std::string name;
  std::vector<int64_t> shape;
  int64_t count = 1;
  int bytes_per_value = 4;  // 4: raw float32; 1/2: uint8/uint16 quantised
  double scale = 1, min = 0;
};

std::string shape_str(const std::vector<int64_t>& s) {
  std::ostringstream o;
  o << '[';
  for (size_t i = 0; i < s.size(); ++i) o << (i ? ", " : "") << s[i];
  o << ']';
  return o.str();
}

std::string read_file(const std::filesystem::path& p, const std::string& what) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw Error("cannot open " + what + " " + p.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw Error("cannot read " + what + " " + p.string());
  return ss.str();
}

TensorSpec parse_spec(const json::Value& w, const std::string& origin) {
  const auto& o = w.object(origin + ": weights entry");
  TensorSpec t;
  const json::Value* name = json::find(o, "name");
  if (!name) throw Error(origin + ": a weights entry has no \"name\"");
  t.name = name->string(origin + ": weights name");
  const std::string where = origin + ": tensor '" + t.name + "'";

  const json::Value* shape = json::find(o, "shape");
  if (!shape) throw Error(where + " has no \"shape\"");
  for (const auto& d : shape->array(where + " shape")) {
    const double v = d.number(where + " shape entry");
    // Bounded so count * bytes cannot overflow and a typo cannot ask for terabytes.
    if (v < 0 || v != std::floor(v) || v > (1 << 24))
      throw Error(where + " has an invalid dimension " + std::to_string(v));
    t.shape.push_back(int64_t(v));
    t.count *= int64_t(v);
    if (t.count > (int64_t(1) << 31)) throw Error(where + " is implausibly large");
  }

  const json::Value* dtype = json::find(o, "dtype");
  if (!dtype || dtype->string(where + " dtype") != "float32")
    throw Error(where + ": only float32 tensors are supported (dtype " +
                (dtype && dtype->is_string() ? std::get<std::string>(dtype->v) : "missing") + ")");

  if (const json::Value* q = json::find(o, "quantization")) {
    const auto& qo = q->object(where + " quantization");
    const json::Value* qd = json::find(qo, "dtype");
    const json::Value* sc = json::find(qo, "scale");
    const json::Value* mn = json::find(qo, "min");
    if (!qd || !sc || !mn) throw Error(where + ": quantization needs dtype, scale and min");
    const std::string& qt = qd->string(where + " quantization dtype");
    if (qt == "uint8") t.bytes_per_value = 1;
    else if (qt == "uint16") t.bytes_per_value = 2;
    else throw Error(where + ": unsupported quantization dtype " + qt);
    t.scale = sc->number(where + " quantization scale");
    t.min = mn->number(where + " quantization min");
    if (!std::isfinite(t.scale) || !std::isfinite(t.min))
      throw Error(where + ": non-finite quantization parameters");
  }
  return t;
}

// value = min + scale * q, computed in double then rounded once, as tfjs does
// in float32 arithmetic closely enough (differences < 1 ulp of the result).
torch::Tensor decode(const TensorSpec& t, const char* data) {
  torch::Tensor out = torch::empty({t.count}, torch::kFloat32);
  float* dst = out.data_ptr<float>();
  if (t.bytes_per_value == 4) {
    std::memcpy(dst, data, size_t(t.count) * 4);
  } else if (t.bytes_per_value == 1) {
    const auto* q = reinterpret_cast<const uint8_t*>(data);
    for (int64_t i = 0; i < t.count; ++i) dst[i] = float(t.min + t.scale * q[i]);
  } else {
    for (int64_t i = 0; i < t.count; ++i) {
      uint16_t q;
      std::memcpy(&q, data + 2 * i, 2);
      dst[i] = float(t.min + t.scale * q);
    }
  }
  return out.view(t.shape);
}

}  // namespace

WeightMap::WeightMap(std::string origin, std::map<std::string, torch::Tensor> tensors)
    : origin_(std::move(origin)), tensors_(std::move(tensors)) {}

torch::Tensor WeightMap::take(const std::string& name, const std::vector<int64_t>& shape) {
  const auto it = tensors_.find(name);
  if (it == tensors_.end())
    throw Error(origin_ + ": tensor '" + name + "' is missing (expected shape " + shape_str(shape) +
                "); is this the right manifest?");
  if (!it->second.defined()) throw Error(origin_ + ": tensor '" + name + "' is used twice");
  const std::vector<int64_t> have = it->second.sizes().vec();
  if (have != shape)
    throw Error(origin_ + ": tensor '" + name + "' has shape " + shape_str(have) +
                " but the network expects " + shape_str(shape));
  torch::Tensor t = it->second;
  it->second = torch::Tensor();  // marks it taken
  return t;
}

void WeightMap::expect_all_taken(const std::string& network) const {
  std::string left;
  for (const auto& [name, t] : tensors_)
    if (t.defined()) left += (left.empty() ? "" : ", ") + name;
  if (!left.empty())
    throw Error(origin_ + ": tensors unknown to " + network + ": " + left +
                " (a manifest of another network or version?)");
}

WeightMap load_face_api_weights(const std::filesystem::path& manifest_json) {
  const std::string origin = manifest_json.string();
  const json::Value doc = json::parse(read_file(manifest_json, "weights manifest"), origin);

  // Each group lists its shard files and the tensors stored across their
  // concatenation; groups are independent of each other.
  std::map<std::string, torch::Tensor> tensors;
  const auto& groups = doc.array(origin + ": the manifest (top level)");
  if (groups.empty()) throw Error(origin + ": the manifest lists no weight groups");
  for (const auto& g : groups) {
    const auto& go = g.object(origin + ": weight group");
    const json::Value* paths = json::find(go, "paths");
    const json::Value* weights = json::find(go, "weights");
    if (!paths || !weights) throw Error(origin + ": a weight group lacks \"paths\" or \"weights\"");

    std::vector<TensorSpec> specs;
    int64_t needed = 0;
    for (const auto& w : weights->array(origin + ": weights")) {
      specs.push_back(parse_spec(w, origin));
      needed += specs.back().count * specs.back().bytes_per_value;
    }

    std::string data;
    std::string shard_names;
    for (const auto& p : paths->array(origin + ": paths")) {
      const std::string& rel = p.string(origin + ": shard path");
      // Shards are siblings of the manifest; refuse anything that walks out.
      if (rel.empty() || rel.find('/') != std::string::npos || rel.find('\\') != std::string::npos ||
          rel == "." || rel == "..")
        throw Error(origin + ": shard path '" + rel + "' must be a plain file name");
      data += read_file(manifest_json.parent_path() / rel, "weights shard");
      shard_names += (shard_names.empty() ? "" : " + ") + rel;
    }
    if (int64_t(data.size()) != needed)
      throw Error(origin + ": " + shard_names + " hold " + std::to_string(data.size()) +
                  " bytes but the manifest's tensors need " + std::to_string(needed) +
                  (int64_t(data.size()) < needed ? " (truncated file?)" : " (wrong shard or manifest?)"));

    size_t offset = 0;
    for (const auto& t : specs) {
      if (tensors.count(t.name)) throw Error(origin + ": tensor '" + t.name + "' is listed twice");
      torch::Tensor v = decode(t, data.data() + offset);
      offset += size_t(t.count * t.bytes_per_value);
      if (!torch::isfinite(v).all().item<bool>())
        throw Error(origin + ": tensor '" + t.name + "' holds non-finite values (corrupt file?)");
      tensors.emplace(t.name, v);
    }
  }
  return WeightMap(origin, std::move(tensors));
}

}  // namespace cartoonize::faceapi
