// PatchGAN discriminators with spectral normalisation (Miyato et al. 2018),
// as in White-box Cartoonization's disc_sn: three stride-2 stages of two 3x3
// convolutions, then a 1x1 convolution to one logit per patch.
#pragma once
#include <torch/torch.h>

namespace cartoonize::train {

// A 2-D convolution whose weight is divided by its largest singular value,
// estimated by power iteration (one step per training forward, persistent u).
struct SNConv2dImpl : torch::nn::Module {
  SNConv2dImpl(int in, int out, int kernel, int stride);
  torch::Tensor forward(const torch::Tensor& x);
  // The current estimate of the largest singular value of the raw weight.
  torch::Tensor sigma();
  torch::Tensor normalized_weight();

  torch::Tensor weight, bias, u;
  int stride, padding;
};
TORCH_MODULE(SNConv2d);

struct PatchDiscriminatorImpl : torch::nn::Module {
  PatchDiscriminatorImpl(int in_channels, int width = 32);
  torch::Tensor forward(const torch::Tensor& x);
  std::vector<SNConv2d> layers;
};
TORCH_MODULE(PatchDiscriminator);

}  // namespace cartoonize::train
