// Loading face-api.js (TensorFlow.js) weights: a *-weights_manifest.json that
// names each tensor (shape, dtype, optional uint8/uint16 quantisation) in file
// order, and the .bin shard(s) beside it holding their little-endian data.
#pragma once
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <torch/torch.h>

namespace cartoonize::faceapi {

// Every tensor of one manifest, dequantised to float32 in TensorFlow layout
// (conv [kh, kw, in, out], depthwise [kh, kw, in, mult], dense [in, out]).
// A network takes each tensor it needs exactly once; checking at the end that
// nothing is left over catches a manifest of another network or version.
class WeightMap {
 public:
  WeightMap(std::string origin, std::map<std::string, torch::Tensor> tensors);

  // The tensor `name`, which must have exactly `shape`. Throws cartoonize::Error
  // naming the manifest, the tensor and both shapes on a mismatch, or if the
  // tensor is absent or was already taken.
  torch::Tensor take(const std::string& name, const std::vector<int64_t>& shape);

  // Throws cartoonize::Error listing the tensors nobody took, naming `network`.
  void expect_all_taken(const std::string& network) const;

  const std::string& origin() const { return origin_; }
  size_t size() const { return tensors_.size(); }
  bool contains(const std::string& name) const { return tensors_.count(name) != 0; }

 private:
  std::string origin_;  // the manifest's path, for messages
  std::map<std::string, torch::Tensor> tensors_;
};

// Reads the manifest and its shards. Throws cartoonize::Error with the file and
// the reason for: unreadable or malformed JSON, a missing field, an unsupported
// dtype, a duplicate name, a shard that is missing, or shards whose total size
// differs from what the manifest describes (truncated or of another model),
// and non-finite values. Never returns partially loaded weights.
WeightMap load_face_api_weights(const std::filesystem::path& manifest_json);

}  // namespace cartoonize::faceapi
