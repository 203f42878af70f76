// See tiny_face_detector.h. Architecture, anchors, normalisation and box
// decoding follow face-api.js's TinyFaceDetector / TinyYolov2Base (MIT),
// reimplemented from their description in LibTorch (NCHW).
#include "tiny_face_detector.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include <torch/torch.h>

#include "error.h"
#include "tf_ops.h"
#include "weights.h"

namespace cartoonize::faceapi {

namespace F = torch::nn::functional;

namespace {

constexpr int kAnchors = 5;
constexpr int kCell = 32;  // input pixels per output cell (five 2× poolings)
// Anchor width and height in cells.
constexpr std::array<std::array<float, 2>, kAnchors> kAnchorWh = {{
    {1.603231f, 2.094468f}, {6.041143f, 7.080126f}, {2.882459f, 3.518061f},
    {4.266906f, 5.178857f}, {9.041765f, 10.66308f}}};
constexpr std::array<float, 3> kMeanRgb = {117.001f, 114.697f, 97.404f};
constexpr std::array<int64_t, 6> kChannels = {16, 32, 64, 128, 256, 512};  // conv0..conv5 outputs

float sigmoid(float v) { return 1.f / (1.f + std::exp(-v)); }

float box_iou(const FaceBox& a, const FaceBox& b) {
  const float iw = std::min(a.x + a.width, b.x + b.width) - std::max(a.x, b.x);
  const float ih = std::min(a.y + a.height, b.y + b.height) - std::max(a.y, b.y);
  if (iw <= 0 || ih <= 0) return 0.f;
  const float inter = iw * ih;
  return inter / (a.width * a.height + b.width * b.height - inter);
}

}  // namespace

std::vector<FaceBox> non_max_suppression(std::vector<FaceBox> boxes, float iou_threshold) {
  std::stable_sort(boxes.begin(), boxes.end(), [](const FaceBox& a, const FaceBox& b) { return a.score > b.score; });
  std::vector<FaceBox> kept;
  for (const FaceBox& b : boxes) {
    bool suppressed = false;
    for (const FaceBox& k : kept)
      if (box_iou(k, b) > iou_threshold) {
        suppressed = true;
        break;
      }
    if (!suppressed) kept.push_back(b);
  }
  return kept;
}

struct TinyFaceDetector::Impl {
  torch::Tensor conv0_weight, conv0_bias;
  std::array<tf::SeparableConv, 5> sep;  // conv1..conv5
  torch::Tensor head_weight, head_bias;
  torch::Tensor mean;  // 1×3×1×1
  torch::Device device = torch::kCPU;

  void load(WeightMap& w) {
    conv0_weight = tf::conv_kernel(w.take("conv0/filters", {3, 3, 3, kChannels[0]}));
    conv0_bias = w.take("conv0/bias", {kChannels[0]});
    for (size_t i = 0; i < sep.size(); ++i) {
      const std::string p = "conv" + std::to_string(i + 1) + "/";
      const int64_t in = kChannels[i], out = kChannels[i + 1];
      sep[i].depthwise = tf::depthwise_kernel(w.take(p + "depthwise_filter", {3, 3, in, 1}));
      sep[i].pointwise = tf::conv_kernel(w.take(p + "pointwise_filter", {1, 1, in, out}));
      sep[i].bias = w.take(p + "bias", {out});
    }
    head_weight = tf::conv_kernel(w.take("conv8/filters", {1, 1, kChannels[5], kAnchors * 5}));
    head_bias = w.take("conv8/bias", {kAnchors * 5});
    mean = torch::tensor({kMeanRgb[0], kMeanRgb[1], kMeanRgb[2]}).view({1, 3, 1, 1});
  }

  void to(torch::Device d) {
    device = d;
    for (torch::Tensor* t : {&conv0_weight, &conv0_bias, &head_weight, &head_bias, &mean}) *t = t->to(d);
    for (auto& s : sep)
      for (torch::Tensor* t : {&s.depthwise, &s.pointwise, &s.bias}) *t = t->to(d);
  }

  static torch::Tensor leaky(const torch::Tensor& x) { return F::leaky_relu(x, F::LeakyReLUFuncOptions().negative_slope(0.1)); }

  // TF maxPool 2×2 'same': odd sizes get one extra (ignored) row/column at the
  // bottom/right, which ceil_mode reproduces for stride 2; for stride 1 the
  // edge row/column is repeated (max with itself changes nothing).
  static torch::Tensor pool(const torch::Tensor& x, int64_t stride) {
    if (stride == 2) return F::max_pool2d(x, F::MaxPool2dFuncOptions(2).stride(2).ceil_mode(true));
    return F::max_pool2d(F::pad(x, F::PadFuncOptions({0, 1, 0, 1}).mode(torch::kReplicate)),
                         F::MaxPool2dFuncOptions(2).stride(1));
  }

  // x: 1×3×H×W normalised input (H, W multiples of 32) -> 1×25×H/32×W/32.
  torch::Tensor forward(const torch::Tensor& x) const {
    // The first conv is 'valid' (H-2), so five ceil-mode poolings land on H/32.
    torch::Tensor out = leaky(F::conv2d(x, conv0_weight, F::Conv2dFuncOptions().bias(conv0_bias)));
    out = pool(out, 2);
    for (size_t i = 0; i < sep.size(); ++i) out = pool(leaky(tf::separable_conv(sep[i], out, 1)), i + 1 < sep.size() ? 2 : 1);
    return F::conv2d(out, head_weight, F::Conv2dFuncOptions().bias(head_bias));
  }
};

TinyFaceDetector::TinyFaceDetector(const std::filesystem::path& manifest_json, const std::string& device)
    : TinyFaceDetector(load_face_api_weights(manifest_json), device) {}

TinyFaceDetector::TinyFaceDetector(WeightMap weights, const std::string& device) : impl_(std::make_unique<Impl>()) {
  impl_->load(weights);
  weights.expect_all_taken("TinyFaceDetector (tiny_face_detector)");
  try {
    impl_->to(torch::Device(device));
  } catch (const c10::Error& e) {
    throw Error("TinyFaceDetector: cannot use device '" + device + "': " + e.what_without_backtrace());
  }
}

TinyFaceDetector::~TinyFaceDetector() = default;
TinyFaceDetector::TinyFaceDetector(TinyFaceDetector&&) noexcept = default;
TinyFaceDetector& TinyFaceDetector::operator=(TinyFaceDetector&&) noexcept = default;

std::string TinyFaceDetector::device() const { return impl_->device.str(); }

std::vector<float> TinyFaceDetector::raw_output(const std::vector<float>& rgb_chw, int height, int width) const {
  if (height <= 0 || width <= 0 || height % kCell || width % kCell || rgb_chw.size() != size_t(3) * height * width)
    throw Error("TinyFaceDetector::raw_output: expected 3 × height × width values, height and width multiples of 32");
  torch::InferenceMode guard;
  const torch::Tensor img =
      torch::from_blob(const_cast<float*>(rgb_chw.data()), {1, 3, height, width}, torch::kFloat32).to(impl_->device);
  const torch::Tensor out =
      impl_->forward(((img - impl_->mean) / 256.0).contiguous(torch::MemoryFormat::ChannelsLast))
          .to(torch::kCPU)
          .contiguous();
  return {out.data_ptr<float>(), out.data_ptr<float>() + out.numel()};
}

std::pair<int, int> TinyFaceDetector::scaled_size(int width, int height, int input_size) {
  const double scale = double(input_size) / std::max(width, height);
  return {std::max(1, int(std::lround(width * scale))), std::max(1, int(std::lround(height * scale)))};
}

std::vector<FaceBox> TinyFaceDetector::detect(const uint8_t* pixels, int width, int height, size_t stride,
                                              int channels, const TinyFaceOptions& o) const {
  if (!pixels || width <= 0 || height <= 0 || (channels != 3 && channels != 4) ||
      stride < size_t(width) * size_t(channels))
    throw Error("TinyFaceDetector: expected a non-empty 8-bit RGB or RGBx image with rows at least width × channels "
                "bytes apart");
  if (o.input_size < kCell || o.input_size % kCell != 0 || o.input_size > 4096)
    throw Error("TinyFaceDetector: input size " + std::to_string(o.input_size) +
                " must be a positive multiple of 32 (at most 4096)");
  if (!(o.score_threshold > 0.f && o.score_threshold < 1.f) || !(o.iou_threshold > 0.f && o.iou_threshold <= 1.f))
    throw Error("TinyFaceDetector: score threshold must lie in (0, 1) and IoU threshold in (0, 1]");

  const auto [sw, sh] = scaled_size(width, height, o.input_size);
  const int canvas_w = o.pad_to_square ? o.input_size : (sw + kCell - 1) / kCell * kCell;
  const int canvas_h = o.pad_to_square ? o.input_size : (sh + kCell - 1) / kCell * kCell;

  torch::Tensor raw;
  try {
    torch::InferenceMode guard;
    // View the caller's rows in place; only the uint8 RGB planes travel to the device.
    const torch::Tensor hwc = torch::from_blob(const_cast<uint8_t*>(pixels), {height, width, channels},
                                               {int64_t(stride), channels, 1}, torch::kUInt8)
                                  .narrow(2, 0, 3);
    torch::Tensor img = hwc.permute({2, 0, 1}).unsqueeze(0).to(impl_->device).to(torch::kFloat32);
    if (sw != width || sh != height)
      img = F::interpolate(img, F::InterpolateFuncOptions()
                                    .size(std::vector<int64_t>{sh, sw})
                                    .mode(torch::kBilinear)
                                    .align_corners(false)
                                    .antialias(true));
    // Black padding at the bottom/right as face-api's canvas, then (x - mean) / 256.
    torch::Tensor canvas = torch::zeros({1, 3, canvas_h, canvas_w}, img.options());
    canvas.narrow(2, 0, sh).narrow(3, 0, sw).copy_(img);
    // Channels-last: oneDNN's convolutions (the 3-channel first one above all)
    // run several times faster on it on the CPU.
    const torch::Tensor x = ((canvas - impl_->mean) / 256.0).contiguous(torch::MemoryFormat::ChannelsLast);
    raw = impl_->forward(x).to(torch::kCPU).contiguous();
  } catch (const c10::Error& e) {
    throw Error(std::string("TinyFaceDetector: ") + e.what_without_backtrace());
  }

  // raw: 1×(anchor·5 + [tx, ty, tw, th, score])×rows×cols. Cell units -> canvas
  // pixels (×32) -> input pixels (the scaled image back to the original size).
  const int64_t rows = raw.size(2), cols = raw.size(3);
  const auto r = raw.accessor<float, 4>();
  const float fx = float(width) / float(sw), fy = float(height) / float(sh);
  const float logit_threshold = std::log(o.score_threshold / (1.f - o.score_threshold));
  std::vector<FaceBox> found;
  for (int a = 0; a < kAnchors; ++a)
    for (int64_t row = 0; row < rows; ++row)
      for (int64_t col = 0; col < cols; ++col) {
        const float logit = r[0][a * 5 + 4][row][col];
        if (!(logit > logit_threshold)) continue;
        const float cx = (float(col) + sigmoid(r[0][a * 5 + 0][row][col])) * kCell;
        const float cy = (float(row) + sigmoid(r[0][a * 5 + 1][row][col])) * kCell;
        const float w = std::exp(std::min(r[0][a * 5 + 2][row][col], 10.f)) * kAnchorWh[size_t(a)][0] * kCell;
        const float h = std::exp(std::min(r[0][a * 5 + 3][row][col], 10.f)) * kAnchorWh[size_t(a)][1] * kCell;
        found.push_back({(cx - w / 2) * fx, (cy - h / 2) * fy, w * fx, h * fy, sigmoid(logit)});
      }
  return non_max_suppression(std::move(found), o.iou_threshold);
}

}  // namespace cartoonize::faceapi
