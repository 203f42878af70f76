// The cartoon generator: a White-box-Cartoonization-style U-Net.
//   7x7 conv (w) -> [3x3 s2 (w), 3x3 (2w)] -> [3x3 s2 (2w), 3x3 (4w)]
//   -> n residual blocks at 4w -> 3x3 (2w) -> bilinear x2 + skip -> 3x3 (2w), 3x3 (w)
//   -> bilinear x2 + skip -> 3x3 (w) -> 7x7 conv (3) -> tanh.
// LeakyReLU(0.2) everywhere. ~1.47 M parameters at w=32, n=4.
// Input/output: N x 3 x H x W in [-1, 1]; any H, W (padded to a multiple of 4
// internally, cropped back).
#pragma once
#include <torch/torch.h>

namespace cartoonize {

struct GeneratorConfig {
  int width = 32;
  int res_blocks = 4;
};

struct ResBlockImpl : torch::nn::Module {
  explicit ResBlockImpl(int channels);
  torch::Tensor forward(const torch::Tensor& x);
  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr};
};
TORCH_MODULE(ResBlock);

struct GeneratorImpl : torch::nn::Module {
  explicit GeneratorImpl(const GeneratorConfig& config = {});
  torch::Tensor forward(const torch::Tensor& x);
  const GeneratorConfig& config() const { return config_; }

  torch::nn::Conv2d conv0{nullptr};
  torch::nn::Conv2d down1a{nullptr}, down1b{nullptr};
  torch::nn::Conv2d down2a{nullptr}, down2b{nullptr};
  torch::nn::Sequential res{nullptr};
  torch::nn::Conv2d mid{nullptr};
  torch::nn::Conv2d up1a{nullptr}, up1b{nullptr};
  torch::nn::Conv2d up2a{nullptr};
  torch::nn::Conv2d out{nullptr};

 private:
  GeneratorConfig config_;
};
TORCH_MODULE(Generator);

// Parameter count of a generator with this config, computed without building
// it (lets the loader reject forged sizes before allocating).
uint64_t expected_parameter_count(const GeneratorConfig& config);

// Number of trainable parameters (for docs, tests, the model card).
int64_t parameter_count(const torch::nn::Module& module);

}  // namespace cartoonize
