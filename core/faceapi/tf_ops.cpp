// See tf_ops.h.
#include "tf_ops.h"

namespace cartoonize::faceapi::tf {

namespace F = torch::nn::functional;

torch::Tensor conv_kernel(const torch::Tensor& hwio) {
  return hwio.permute({3, 2, 0, 1}).contiguous();
}

torch::Tensor depthwise_kernel(const torch::Tensor& hwim) {
  const auto kh = hwim.size(0), kw = hwim.size(1);
  return hwim.reshape({kh, kw, -1}).permute({2, 0, 1}).unsqueeze(1).contiguous();
}

torch::Tensor dense_weight(const torch::Tensor& io) { return io.t().contiguous(); }

namespace {

// Leading and trailing padding of one spatial axis under TF 'same'.
std::pair<int64_t, int64_t> same_pads(int64_t size, int64_t kernel, int64_t stride) {
  const int64_t out = (size + stride - 1) / stride;
  const int64_t total = std::max<int64_t>((out - 1) * stride + kernel - size, 0);
  return {total / 2, total - total / 2};
}

}  // namespace

torch::Tensor conv2d_same(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias,
                          int64_t stride, int64_t groups) {
  const auto [top, bottom] = same_pads(x.size(2), weight.size(2), stride);
  const auto [left, right] = same_pads(x.size(3), weight.size(3), stride);
  auto opts = F::Conv2dFuncOptions().stride(stride).groups(groups).bias(bias);
  if (top == bottom && left == right) return F::conv2d(x, weight, opts.padding({top, left}));
  return F::conv2d(F::pad(x, F::PadFuncOptions({left, right, top, bottom})), weight, opts);
}

torch::Tensor separable_conv(const SeparableConv& c, const torch::Tensor& x, int64_t stride) {
  namespace F = torch::nn::functional;
  const torch::Tensor d = conv2d_same(x, c.depthwise, {}, stride, x.size(1));
  return F::conv2d(d, c.pointwise, F::Conv2dFuncOptions().bias(c.bias));
}

}  // namespace cartoonize::faceapi::tf
