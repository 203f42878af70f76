// See landmark_net.h. Architecture as in face-api.js's FaceFeatureExtractor
// (denseBlock4 ×4) + FaceLandmark68Net's fully connected head, reimplemented
// from its description. Weights are buffers, not parameters: the net is a fixed
// judge for training losses, so optimisers must never see it, while
// module.to(device) still moves it.
#include "landmark_net.h"

#include "error.h"
#include "tf_ops.h"

namespace cartoonize::faceapi {

namespace F = torch::nn::functional;

namespace {
constexpr std::array<int64_t, 4> kBlockChannels = {32, 64, 128, 256};
}

LandmarkNet::LandmarkNet(const std::filesystem::path& manifest_json)
    : LandmarkNet(load_face_api_weights(manifest_json)) {}

LandmarkNet::LandmarkNet(WeightMap weights) {
  load_weights(weights);
  weights.expect_all_taken("LandmarkNet (face_landmark_68)");
}

void LandmarkNet::load_weights(WeightMap& w) {
  int64_t in = 3;
  for (size_t i = 0; i < blocks_.size(); ++i) {
    const int64_t c = kBlockChannels[i];
    const std::string p = "dense" + std::to_string(i) + "/";
    const std::string bp = "dense" + std::to_string(i) + "_";
    DenseBlock& b = blocks_[i];
    b.first = i == 0;
    for (int k = 0; k < 4; ++k) {
      const std::string cp = p + "conv" + std::to_string(k) + "/";
      const std::string cb = bp + "conv" + std::to_string(k) + "_";
      const int64_t cin = k == 0 ? in : c;
      if (k == 0 && b.first) {
        b.conv0_weight = register_buffer(cb + "weight", tf::conv_kernel(w.take(cp + "filters", {3, 3, cin, c})));
        b.conv0_bias = register_buffer(cb + "bias", w.take(cp + "bias", {c}));
        continue;
      }
      SeparableConv& s = b.sep[size_t(k)];
      s.depthwise = register_buffer(cb + "depthwise",
                                    tf::depthwise_kernel(w.take(cp + "depthwise_filter", {3, 3, cin, 1})));
      s.pointwise = register_buffer(cb + "pointwise",
                                    tf::conv_kernel(w.take(cp + "pointwise_filter", {1, 1, cin, c})));
      s.bias = register_buffer(cb + "bias", w.take(cp + "bias", {c}));
    }
    in = c;
  }
  fc_weight_ = register_buffer("fc_weight", tf::dense_weight(w.take("fc/weights", {256, 2 * kPoints})));
  fc_bias_ = register_buffer("fc_bias", w.take("fc/bias", {2 * kPoints}));
  mean_ = register_buffer("mean_rgb", torch::tensor({kMeanRgb[0], kMeanRgb[1], kMeanRgb[2]}).view({1, 3, 1, 1}));
}

// Each conv sees the ReLU'd sum of all earlier outputs of the block (dense
// connectivity by addition, not concatenation); the first conv downsamples 2×.
torch::Tensor LandmarkNet::dense_block(const DenseBlock& b, const torch::Tensor& x) const {
  const torch::Tensor out1 =
      torch::relu(b.first ? tf::conv2d_same(x, b.conv0_weight, b.conv0_bias, 2) : tf::separable_conv(b.sep[0], x, 2));
  torch::Tensor sum = out1;
  for (size_t k = 1; k < 4; ++k) {
    const torch::Tensor in = k == 1 ? out1 : torch::relu(sum);
    sum = sum + tf::separable_conv(b.sep[k], in, 1);
  }
  return torch::relu(sum);
}

torch::Tensor LandmarkNet::forward(const torch::Tensor& x) {
  if (!x.defined() || x.dim() != 4 || x.size(1) != 3 || x.size(2) != kInputSize || x.size(3) != kInputSize)
    throw Error("LandmarkNet: input must be N×3×112×112 RGB, got " +
                (x.defined() ? c10::str(x.sizes()) : std::string("an undefined tensor")));
  if (!x.is_floating_point()) throw Error("LandmarkNet: input must be a float tensor with values in [0, 255]");
  try {
    torch::Tensor out = (x - mean_) / 255.0;
    for (const auto& b : blocks_) out = dense_block(b, out);
    // 7×7 map -> 1×1 (TF avgPool 7, stride 2, 'valid').
    out = F::avg_pool2d(out, F::AvgPool2dFuncOptions(7).stride(2)).flatten(1);
    // The head predicts coordinates relative to the crop, interleaved x0 y0 x1 y1 ...
    return F::linear(out, fc_weight_, fc_bias_).view({-1, kPoints, 2}) * double(kInputSize);
  } catch (const c10::Error& e) {
    throw Error(std::string("LandmarkNet: ") + e.what_without_backtrace());
  }
}

}  // namespace cartoonize::faceapi
