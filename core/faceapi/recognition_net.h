// face-api.js FaceRecognitionNet in LibTorch: the dlib-style ResNet-34 variant
// (29 conv layers, half the usual widths) mapping a 150×150 face to a 128-D
// descriptor; Euclidean distance < 0.6 means "same person". Differentiable;
// features() exposes the stage outputs for perceptual / identity losses.
#pragma once
#include <array>
#include <filesystem>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "weights.h"

namespace cartoonize::faceapi {

class FaceRecognitionNet : public torch::nn::Module {
 public:
  static constexpr int64_t kInputSize = 150;
  static constexpr int64_t kDescriptorSize = 128;
  // Smallest side features() accepts: below it the last stride-2 'valid'
  // convolution has nothing left to convolve.
  static constexpr int64_t kMinFeatureInput = 103;
  // Conventional decision threshold on descriptor distance (dlib, face-api).
  static constexpr double kSameFaceDistance = 0.6;

  // Loads face_recognition_model-weights_manifest.json (and its .bin). Throws
  // cartoonize::Error on any problem with the files (see WeightMap).
  explicit FaceRecognitionNet(const std::filesystem::path& manifest_json);
  explicit FaceRecognitionNet(WeightMap weights);

  // x: N×3×150×150 float, RGB, values in [0, 255] (mean subtraction and /256
  // happen inside, as in face-api). Faces as face-api aligns them: the box of
  // the 68 landmarks enlarged by 20 % of its size, padded to square, resized.
  // Returns N×128 descriptors (not normalised). Throws cartoonize::Error on a
  // wrong shape, dtype or device.
  torch::Tensor forward(const torch::Tensor& x);

  // Stage outputs for x: N×3×H×W, RGB in [0, 255], H and W >= 103 (150 for
  // the trained behaviour). For 150×150, in order:
  //   [0] 32×35×35  after conv32_3     [1] 64×17×17  after conv64_3
  //   [2] 128×8×8   after conv128_2    [3] 256×4×4   after conv256_2
  //   [4] 256×2×2   after conv256_down_out (what the descriptor pools)
  // All are post-ReLU activations.
  std::vector<torch::Tensor> features(const torch::Tensor& x);

  // The descriptor from features()' output (global average of [4], then the
  // dense layer), so a loss needing both runs the trunk once.
  torch::Tensor descriptor(const std::vector<torch::Tensor>& features) const;

 private:
  // conv + bias followed by face-api's per-channel scale layer, folded into
  // one convolution at load time (w·s, b·s + beta): same function, one op.
  struct ConvScale {
    torch::Tensor weight, bias;
  };
  struct Residual {
    ConvScale conv1, conv2;
    bool down = false;
  };

  void load_weights(WeightMap& w);  // not load(): that would hide torch::nn::Module::load
  ConvScale load_conv(WeightMap& w, const std::string& prefix, int64_t k, int64_t cin, int64_t cout);
  static torch::Tensor residual(const Residual& r, const torch::Tensor& x);
  torch::Tensor check_input(const torch::Tensor& x, bool exact_size) const;

  ConvScale stem_;
  std::vector<Residual> blocks_;
  std::vector<size_t> stage_ends_;  // indices into blocks_ whose output is a feature
  torch::Tensor fc_;                // [128, 256]
  torch::Tensor mean_;              // 1×3×1×1
};

}  // namespace cartoonize::faceapi
