// face-api.js FaceLandmark68Net in LibTorch: 68 iBUG 300-W points (the layout
// dlib's shape predictor uses) from a 112×112 face crop. Four densely connected
// blocks of depthwise-separable convolutions, a 7×7 average pool and one dense
// layer. Differentiable, so it can serve as a landmark loss.
#pragma once
#include <array>
#include <filesystem>

#include <torch/torch.h>

#include "tf_ops.h"
#include "weights.h"

namespace cartoonize::faceapi {

class LandmarkNet : public torch::nn::Module {
 public:
  static constexpr int64_t kInputSize = 112;
  static constexpr int64_t kPoints = 68;

  // Loads face_landmark_68_model-weights_manifest.json (and its .bin). Throws
  // cartoonize::Error on any problem with the files (see WeightMap).
  explicit LandmarkNet(const std::filesystem::path& manifest_json);
  // From already loaded weights; takes every tensor and rejects leftovers.
  explicit LandmarkNet(WeightMap weights);

  // x: N×3×112×112 float, RGB, values in [0, 255] (face-api feeds raw pixel
  // values; mean subtraction and /255 happen inside). The face should fill the
  // crop as face-api's detector boxes do, padded to square; from dlib's tighter
  // HOG box, a square 1.3× its size centred 5 % of that lower matches dlib's
  // points to ~0.056 inter-ocular NME (tests/faceapi). Returns N×68×2 (x, y)
  // in pixel units of the 112×112 input (0 = left/top edge of the crop).
  // Throws cartoonize::Error on a wrong shape, dtype or device.
  torch::Tensor forward(const torch::Tensor& x);

  // face-api's per-channel RGB mean, shared with FaceRecognitionNet.
  static constexpr std::array<float, 3> kMeanRgb = {122.782f, 117.001f, 104.298f};

 private:
  using SeparableConv = tf::SeparableConv;
  struct DenseBlock {
    torch::Tensor conv0_weight, conv0_bias;  // plain 3×3 conv, first block only
    std::array<SeparableConv, 4> sep;        // sep[0] unused in the first block
    bool first = false;
  };

  void load_weights(WeightMap& w);  // not load(): that would hide torch::nn::Module::load
  torch::Tensor dense_block(const DenseBlock& b, const torch::Tensor& x) const;

  std::array<DenseBlock, 4> blocks_;
  torch::Tensor fc_weight_, fc_bias_;
  torch::Tensor mean_;  // 1×3×1×1
};

}  // namespace cartoonize::faceapi
