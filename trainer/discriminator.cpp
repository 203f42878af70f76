#include "discriminator.h"

namespace cartoonize::train {

SNConv2dImpl::SNConv2dImpl(int in, int out, int kernel, int s) : stride(s), padding(kernel / 2) {
  weight = register_parameter("weight", torch::randn({out, in, kernel, kernel}) * 0.02);
  bias = register_parameter("bias", torch::zeros({out}));
  u = register_buffer("u", torch::nn::functional::normalize(torch::randn({out}),
                                                            torch::nn::functional::NormalizeFuncOptions().dim(0)));
}

torch::Tensor SNConv2dImpl::normalized_weight() {
  auto w = weight.reshape({weight.size(0), -1});
  if (is_training()) {
    torch::NoGradGuard ng;
    namespace F = torch::nn::functional;
    auto v = F::normalize(torch::mv(w.t(), u), F::NormalizeFuncOptions().dim(0).eps(1e-12));
    u.copy_(F::normalize(torch::mv(w, v), F::NormalizeFuncOptions().dim(0).eps(1e-12)));
  }
  namespace F = torch::nn::functional;
  // A copy of u: the next forward updates u in place while this graph still
  // needs the value it used (D runs on real and fake before one backward).
  const auto u_now = u.detach().clone();
  auto v = F::normalize(torch::mv(w.t(), u_now), F::NormalizeFuncOptions().dim(0).eps(1e-12)).detach();
  auto sigma = torch::dot(u_now, torch::mv(w, v));
  return weight / sigma;
}

torch::Tensor SNConv2dImpl::sigma() {
  torch::NoGradGuard ng;
  auto w = weight.reshape({weight.size(0), -1});
  namespace F = torch::nn::functional;
  auto v = F::normalize(torch::mv(w.t(), u), F::NormalizeFuncOptions().dim(0).eps(1e-12));
  return torch::dot(u, torch::mv(w, v));
}

torch::Tensor SNConv2dImpl::forward(const torch::Tensor& x) {
  return torch::conv2d(x, normalized_weight(), bias, stride, padding);
}

PatchDiscriminatorImpl::PatchDiscriminatorImpl(int in_channels, int width) {
  int in = in_channels;
  for (int stage = 0; stage < 3; ++stage) {
    const int ch = width << stage;
    layers.push_back(register_module("conv" + std::to_string(stage) + "a", SNConv2d(in, ch, 3, 2)));
    layers.push_back(register_module("conv" + std::to_string(stage) + "b", SNConv2d(ch, ch, 3, 1)));
    in = ch;
  }
  layers.push_back(register_module("logits", SNConv2d(in, 1, 1, 1)));
}

torch::Tensor PatchDiscriminatorImpl::forward(const torch::Tensor& input) {
  torch::Tensor x = input;
  for (size_t i = 0; i + 1 < layers.size(); ++i) x = torch::leaky_relu(layers[i]->forward(x), 0.2);
  return layers.back()->forward(x);
}

}  // namespace cartoonize::train
