#include "output_filter.h"

#include <limits>
#include <vector>

#include "guided_upsample.h"

namespace cartoonize {
namespace {

namespace F = torch::nn::functional;

// Maximum over 2r+1 neighbours along one dimension (3: across, 2: down),
// as shifted views of a -inf padded copy: LibTorch's max_pool2d with stride
// 1 is about 10x slower on the CPU for these small kernels (8.8 against
// 0.9 ms for the whole filter on one 128-px crop, one thread).
torch::Tensor max_along(const torch::Tensor& x, int r, int64_t dim) {
  const int64_t n = x.size(dim);
  const std::vector<int64_t> pad = dim == 3 ? std::vector<int64_t>{r, r, 0, 0} : std::vector<int64_t>{0, 0, r, r};
  const torch::Tensor p = F::pad(x, F::PadFuncOptions(pad).value(-std::numeric_limits<double>::infinity()));
  torch::Tensor out = p.narrow(dim, 0, n);
  for (int k = 1; k <= 2 * r; ++k) out = torch::maximum(out, p.narrow(dim, k, n));
  return out;
}

// Grey-level dilation over (2r+1)^2 squares (separable).
torch::Tensor dilate(const torch::Tensor& x, int r) { return max_along(max_along(x, r, 3), r, 2); }
torch::Tensor erode(const torch::Tensor& x, int r) { return -dilate(-x, r); }
torch::Tensor closing(const torch::Tensor& x, int r) { return erode(dilate(x, r), r); }

torch::Tensor luma(const torch::Tensor& x) {
  return 0.299 * x.narrow(1, 0, 1) + 0.587 * x.narrow(1, 1, 1) + 0.114 * x.narrow(1, 2, 1);
}

torch::Tensor ramp(const torch::Tensor& t, double from, double to) { return ((t - from) / (to - from)).clamp(0, 1); }

// Strokes of y where x has no line, closed over. y's lines count from half
// the contrast (fully at the contrast), and so does x's line near a pixel
// (3x3), which keeps it: skin texture stays under half the contrast, the
// face's features (eyes, brows, lips, nostrils) reach it, and a cartoon may
// darken those as much as it likes. The weight is widened by a pixel and
// then averaged over 3x3: full on a thin stroke, no hard edge beside it.
torch::Tensor close_new_lines(const torch::Tensor& x, const torch::Tensor& y, int r, double contrast) {
  const double c = std::max(contrast, 1e-6);
  const torch::Tensor photo_lines = dilate(black_hat(luma(x), r), 1);
  torch::Tensor w = ramp(black_hat(luma(y), r), 0.5 * c, c) * (1 - ramp(photo_lines, 0.5 * c, c));
  w = F::avg_pool2d(dilate(w, 1), F::AvgPool2dFuncOptions(3).stride(1).padding(1).count_include_pad(false));
  return y + w * (closing(y, r) - y);
}

// The middle half of each crop (the face in an aligned crop): mean RGB, N x 3 x 1 x 1.
torch::Tensor middle_mean(const torch::Tensor& t) {
  const int64_t h = t.size(2), w = t.size(3);
  return t.narrow(2, h / 4, std::max<int64_t>(1, h / 2)).narrow(3, w / 4, std::max<int64_t>(1, w / 2)).mean({2, 3}, true);
}

// y's mean chroma over the middle moved `share` of the way to x's, luma kept:
// the mean difference less its luma, added to every pixel.
torch::Tensor carry_chroma(const torch::Tensor& x, const torch::Tensor& y, double share) {
  const torch::Tensor d = middle_mean(x) - middle_mean(y);
  return y + share * (d - luma(d));
}

}  // namespace

torch::Tensor black_hat(const torch::Tensor& x, int radius) { return closing(x, radius) - x; }

torch::Tensor apply_output_filter(const torch::Tensor& x01, const torch::Tensor& y01, const OutputFilter& filter) {
  torch::Tensor y = y01;
  if (filter.line_radius > 0) y = close_new_lines(x01, y, filter.line_radius, filter.line_contrast);
  if (filter.color > 0) y = carry_chroma(x01, y, filter.color);
  if (filter.radius > 0) y = guided_filter(x01, y, filter.radius, filter.eps);
  return y;
}

}  // namespace cartoonize
