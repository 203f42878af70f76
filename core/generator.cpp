#include "generator.h"

namespace cartoonize {
namespace {

torch::nn::Conv2d conv(int in, int out, int k, int stride = 1) {
  return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, k).stride(stride).padding(k / 2));
}

torch::Tensor lrelu(const torch::Tensor& x) { return torch::leaky_relu(x, 0.2); }

// Bilinear resize to exactly the skip connection's size (not blindly x2), so
// odd intermediate sizes can never mismatch.
torch::Tensor upsample_to(const torch::Tensor& x, const torch::Tensor& like) {
  namespace F = torch::nn::functional;
  return F::interpolate(x, F::InterpolateFuncOptions()
                               .size(std::vector<int64_t>{like.size(2), like.size(3)})
                               .mode(torch::kBilinear)
                               .align_corners(false));
}

}  // namespace

ResBlockImpl::ResBlockImpl(int channels)
    : conv1(register_module("conv1", conv(channels, channels, 3))),
      conv2(register_module("conv2", conv(channels, channels, 3))) {}

torch::Tensor ResBlockImpl::forward(const torch::Tensor& x) {
  return x + conv2(lrelu(conv1(x)));
}

GeneratorImpl::GeneratorImpl(const GeneratorConfig& c) : config_(c) {
  TORCH_CHECK(c.width >= 1 && c.res_blocks >= 0, "invalid generator config");
  const int w = c.width;
  conv0 = register_module("conv0", conv(3, w, 7));
  down1a = register_module("down1a", conv(w, w, 3, 2));
  down1b = register_module("down1b", conv(w, 2 * w, 3));
  down2a = register_module("down2a", conv(2 * w, 2 * w, 3, 2));
  down2b = register_module("down2b", conv(2 * w, 4 * w, 3));
  res = register_module("res", torch::nn::Sequential());
  for (int i = 0; i < c.res_blocks; ++i) res->push_back(ResBlock(4 * w));
  mid = register_module("mid", conv(4 * w, 2 * w, 3));
  up1a = register_module("up1a", conv(2 * w, 2 * w, 3));
  up1b = register_module("up1b", conv(2 * w, w, 3));
  up2a = register_module("up2a", conv(w, w, 3));
  out = register_module("out", conv(w, 3, 7));
}

torch::Tensor GeneratorImpl::forward(const torch::Tensor& input) {
  TORCH_CHECK(input.dim() == 4 && input.size(1) == 3, "generator expects N x 3 x H x W, got ",
              input.sizes());
  const int64_t h = input.size(2), w = input.size(3);
  const int64_t ph = (4 - h % 4) % 4, pw = (4 - w % 4) % 4;
  torch::Tensor x = input;
  if (ph || pw) {
    // Replicate (not reflect) padding: valid for any size, even 1x1.
    namespace F = torch::nn::functional;
    x = F::pad(x, F::PadFuncOptions({0, pw, 0, ph}).mode(torch::kReplicate));
  }
  auto x0 = lrelu(conv0(x));
  auto x1 = lrelu(down1b(lrelu(down1a(x0))));
  auto x2 = lrelu(down2b(lrelu(down2a(x1))));
  x2 = lrelu(mid(res->forward(x2)));
  auto x3 = upsample_to(x2, x1) + x1;
  x3 = lrelu(up1b(lrelu(up1a(x3))));
  auto x4 = upsample_to(x3, x0) + x0;
  x4 = out(lrelu(up2a(x4)));
  auto y = torch::tanh(x4);
  if (ph || pw) y = y.narrow(2, 0, h).narrow(3, 0, w);
  return y;
}

uint64_t expected_parameter_count(const GeneratorConfig& c) {
  auto conv_params = [](uint64_t in, uint64_t out, uint64_t k) { return in * out * k * k + out; };
  const uint64_t w = uint64_t(c.width);
  return conv_params(3, w, 7) + conv_params(w, w, 3) + conv_params(w, 2 * w, 3) + conv_params(2 * w, 2 * w, 3) +
         conv_params(2 * w, 4 * w, 3) + uint64_t(c.res_blocks) * 2 * conv_params(4 * w, 4 * w, 3) +
         conv_params(4 * w, 2 * w, 3) + conv_params(2 * w, 2 * w, 3) + conv_params(2 * w, w, 3) +
         conv_params(w, w, 3) + conv_params(w, 3, 7);
}

int64_t parameter_count(const torch::nn::Module& module) {
  int64_t n = 0;
  for (const auto& p : module.parameters()) n += p.numel();
  return n;
}

}  // namespace cartoonize
