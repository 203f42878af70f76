// TensorFlow semantics the face-api networks rely on, expressed in LibTorch
// (NCHW): weight layout conversion and 'same' padding. Kept in one place so
// both networks agree on them.
#pragma once
#include <torch/torch.h>

namespace cartoonize::faceapi::tf {

// [kh, kw, in, out] -> [out, in, kh, kw].
torch::Tensor conv_kernel(const torch::Tensor& hwio);

// Depthwise [kh, kw, in, mult] -> [in*mult, 1, kh, kw] (use groups = in). TF
// orders the outputs channel-major (output c*mult + m), which a plain reshape keeps.
torch::Tensor depthwise_kernel(const torch::Tensor& hwim);

// Dense [in, out] -> [out, in] (torch::linear's layout).
torch::Tensor dense_weight(const torch::Tensor& io);

// conv2d with TF padding 'same': output ceil(size / stride); when the total
// padding is odd TF puts the extra row/column at the bottom/right, which
// PyTorch's symmetric `padding` cannot express, so such cases pad explicitly.
// weight is in LibTorch layout; bias may be undefined.
torch::Tensor conv2d_same(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias,
                          int64_t stride, int64_t groups = 1);

// tf.separableConv2d + bias: depthwise 3x3 ('same', stride) then pointwise 1x1.
struct SeparableConv {
  torch::Tensor depthwise, pointwise, bias;  // LibTorch layouts
};
torch::Tensor separable_conv(const SeparableConv& c, const torch::Tensor& x, int64_t stride);

}  // namespace cartoonize::faceapi::tf
