// See recognition_net.h. Architecture as in face-api.js's FaceRecognitionNet
// (convLayer, residualLayer, scaleLayer), reimplemented from its description.
// Weights are buffers: a fixed judge for losses, invisible to optimisers.
#include "recognition_net.h"

#include <algorithm>

#include "error.h"
#include "landmark_net.h"
#include "tf_ops.h"

namespace cartoonize::faceapi {

namespace F = torch::nn::functional;

namespace {

struct BlockSpec {
  const char* name;
  int64_t cin, cout;
  bool down;
  bool stage_end;  // features() reports this block's output
};

// In order; "down" blocks halve the resolution (and double the width, except
// the last) with a 2-strided 'valid' conv beside a 2×2 average-pool shortcut.
constexpr BlockSpec kBlocks[] = {
    {"conv32_1", 32, 32, false, false},     {"conv32_2", 32, 32, false, false},
    {"conv32_3", 32, 32, false, true},      {"conv64_down", 32, 64, true, false},
    {"conv64_1", 64, 64, false, false},     {"conv64_2", 64, 64, false, false},
    {"conv64_3", 64, 64, false, true},      {"conv128_down", 64, 128, true, false},
    {"conv128_1", 128, 128, false, false},  {"conv128_2", 128, 128, false, true},
    {"conv256_down", 128, 256, true, false}, {"conv256_1", 256, 256, false, false},
    {"conv256_2", 256, 256, false, true},   {"conv256_down_out", 256, 256, true, true},
};

}  // namespace

FaceRecognitionNet::FaceRecognitionNet(const std::filesystem::path& manifest_json)
    : FaceRecognitionNet(load_face_api_weights(manifest_json)) {}

FaceRecognitionNet::FaceRecognitionNet(WeightMap weights) {
  load_weights(weights);
  weights.expect_all_taken("FaceRecognitionNet (face_recognition)");
}

FaceRecognitionNet::ConvScale FaceRecognitionNet::load_conv(WeightMap& w, const std::string& prefix, int64_t k,
                                                            int64_t cin, int64_t cout) {
  const torch::Tensor filters = tf::conv_kernel(w.take(prefix + "/conv/filters", {k, k, cin, cout}));
  const torch::Tensor bias = w.take(prefix + "/conv/bias", {cout});
  const torch::Tensor s = w.take(prefix + "/scale/weights", {cout});
  const torch::Tensor beta = w.take(prefix + "/scale/biases", {cout});
  std::string name = prefix;
  std::replace(name.begin(), name.end(), '/', '_');  // flat, conventional state_dict names
  ConvScale c;
  c.weight = register_buffer(name + "_weight", (filters * s.view({-1, 1, 1, 1})).contiguous());
  c.bias = register_buffer(name + "_bias", bias * s + beta);
  return c;
}

void FaceRecognitionNet::load_weights(WeightMap& w) {
  stem_ = load_conv(w, "conv32_down", 7, 3, 32);
  for (const BlockSpec& b : kBlocks) {
    Residual r;
    r.down = b.down;
    r.conv1 = load_conv(w, std::string(b.name) + "/conv1", 3, b.cin, b.cout);
    r.conv2 = load_conv(w, std::string(b.name) + "/conv2", 3, b.cout, b.cout);
    blocks_.push_back(r);
    if (b.stage_end) stage_ends_.push_back(blocks_.size() - 1);
  }
  fc_ = register_buffer("fc_weight", tf::dense_weight(w.take("fc", {256, kDescriptorSize})));
  const auto& m = LandmarkNet::kMeanRgb;
  mean_ = register_buffer("mean_rgb", torch::tensor({m[0], m[1], m[2]}).view({1, 3, 1, 1}));
}

torch::Tensor FaceRecognitionNet::residual(const Residual& r, const torch::Tensor& x) {
  const auto opts = [](const ConvScale& c) { return F::Conv2dFuncOptions().bias(c.bias); };
  if (!r.down) {
    torch::Tensor out = torch::relu(tf::conv2d_same(x, r.conv1.weight, r.conv1.bias, 1));
    out = tf::conv2d_same(out, r.conv2.weight, r.conv2.bias, 1);
    return torch::relu(out + x);
  }
  torch::Tensor out = torch::relu(F::conv2d(x, r.conv1.weight, opts(r.conv1).stride(2)));  // 'valid'
  out = tf::conv2d_same(out, r.conv2.weight, r.conv2.bias, 1);
  torch::Tensor shortcut = F::avg_pool2d(x, F::AvgPool2dFuncOptions(2).stride(2));
  // On even sizes the 'valid' 3×3 conv yields one row/column fewer than the
  // pool; face-api appends zeros at the bottom/right of the conv branch.
  const int64_t dh = shortcut.size(2) - out.size(2), dw = shortcut.size(3) - out.size(3);
  if (dh || dw) out = F::pad(out, F::PadFuncOptions({0, dw, 0, dh}));
  // Widening blocks give the shortcut zero channels for the new half.
  if (shortcut.size(1) != out.size(1))
    shortcut = F::pad(shortcut, F::PadFuncOptions({0, 0, 0, 0, 0, out.size(1) - shortcut.size(1)}));
  return torch::relu(out + shortcut);
}

torch::Tensor FaceRecognitionNet::check_input(const torch::Tensor& x, bool exact_size) const {
  const bool ok = x.defined() && x.dim() == 4 && x.size(1) == 3 &&
                  (exact_size ? x.size(2) == kInputSize && x.size(3) == kInputSize
                              : x.size(2) >= kMinFeatureInput && x.size(3) >= kMinFeatureInput);
  if (!ok)
    throw Error(std::string("FaceRecognitionNet: input must be N×3×") +
                (exact_size ? "150×150" : "H×W with H, W >= 103") + " RGB, got " +
                (x.defined() ? c10::str(x.sizes()) : std::string("an undefined tensor")));
  if (!x.is_floating_point())
    throw Error("FaceRecognitionNet: input must be a float tensor with values in [0, 255]");
  return x;
}

std::vector<torch::Tensor> FaceRecognitionNet::features(const torch::Tensor& x) {
  check_input(x, false);
  try {
    torch::Tensor out = (x - mean_) / 256.0;  // face-api divides by 256 here, by 255 in the landmark net
    out = torch::relu(F::conv2d(out, stem_.weight, F::Conv2dFuncOptions().stride(2).bias(stem_.bias)));
    out = F::max_pool2d(out, F::MaxPool2dFuncOptions(3).stride(2));
    std::vector<torch::Tensor> feats;
    size_t next = 0;
    for (size_t i = 0; i < blocks_.size(); ++i) {
      out = residual(blocks_[i], out);
      if (next < stage_ends_.size() && stage_ends_[next] == i) {
        feats.push_back(out);
        ++next;
      }
    }
    return feats;
  } catch (const c10::Error& e) {
    throw Error(std::string("FaceRecognitionNet: ") + e.what_without_backtrace());
  }
}

torch::Tensor FaceRecognitionNet::descriptor(const std::vector<torch::Tensor>& features) const {
  if (features.size() != stage_ends_.size())
    throw Error("FaceRecognitionNet::descriptor: expects the " + std::to_string(stage_ends_.size()) +
                " tensors features() returns");
  try {
    return F::linear(features.back().mean({2, 3}), fc_);
  } catch (const c10::Error& e) {
    throw Error(std::string("FaceRecognitionNet: ") + e.what_without_backtrace());
  }
}

torch::Tensor FaceRecognitionNet::forward(const torch::Tensor& x) {
  check_input(x, true);
  return descriptor(features(x));
}

}  // namespace cartoonize::faceapi
