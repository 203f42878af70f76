#include "superpixels.h"

#include "error.h"

namespace cartoonize::train {

torch::Tensor rgb_to_lab(const torch::Tensor& rgb01) {
  const torch::Tensor c = rgb01.clamp(0, 1);
  const torch::Tensor lin = torch::where(c > 0.04045, ((c + 0.055) / 1.055).pow(2.4), c / 12.92);
  const auto r = lin.select(1, 0), g = lin.select(1, 1), b = lin.select(1, 2);
  const torch::Tensor x = (0.412453 * r + 0.357580 * g + 0.180423 * b) / 0.950456;
  const torch::Tensor y = 0.212671 * r + 0.715160 * g + 0.072169 * b;
  const torch::Tensor z = (0.019334 * r + 0.119193 * g + 0.950227 * b) / 1.088754;
  auto f = [](const torch::Tensor& t) { return torch::where(t > 0.008856, t.pow(1.0 / 3), 7.787 * t + 16.0 / 116); };
  const torch::Tensor fx = f(x), fy = f(y), fz = f(z);
  return torch::stack({116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)}, 1);
}

torch::Tensor region_mean(const torch::Tensor& x, const torch::Tensor& labels, int64_t regions) {
  const int64_t n = x.size(0), c = x.size(1);
  const torch::Tensor flat = x.reshape({n, c, -1}).to(torch::kFloat);
  const torch::Tensor idx = labels.reshape({n, 1, -1}).expand({n, c, -1});
  const torch::Tensor sums = torch::zeros({n, c, regions}, flat.options()).scatter_add_(2, idx, flat);
  const torch::Tensor counts =
      torch::zeros({n, 1, regions}, flat.options()).scatter_add_(2, labels.reshape({n, 1, -1}), torch::ones_like(flat.narrow(1, 0, 1)));
  const torch::Tensor means = sums / counts.clamp_min(1);
  return means.gather(2, idx).reshape(x.sizes()).to(x.scalar_type());
}

torch::Tensor slic_labels(const torch::Tensor& rgb01, int region_size, double compactness, int iterations) {
  if (rgb01.dim() != 4 || rgb01.size(1) != 3) throw Error("slic_labels: expected N x 3 x H x W");
  if (region_size < 2) throw Error("superpixel region size must be at least 2 px");
  torch::NoGradGuard ng;
  const int64_t n = rgb01.size(0), h = rgb01.size(2), w = rgb01.size(3);
  const int64_t gh = (h + region_size - 1) / region_size, gw = (w + region_size - 1) / region_size, k = gh * gw;
  const auto fopt = torch::TensorOptions().dtype(torch::kFloat).device(rgb01.device());
  const auto iopt = torch::TensorOptions().dtype(torch::kLong).device(rgb01.device());
  // Features per pixel: L, a, b, then y and x scaled so that one cell of
  // distance weighs as much as `compactness` Lab units (SLIC's m / S).
  const double spatial = compactness / region_size;
  const torch::Tensor ys = torch::arange(h, fopt).view({1, 1, h, 1}).expand({n, 1, h, w});
  const torch::Tensor xs = torch::arange(w, fopt).view({1, 1, 1, w}).expand({n, 1, h, w});
  const torch::Tensor feats = torch::cat({rgb_to_lab(rgb01.to(torch::kFloat)), ys * spatial, xs * spatial}, 1).reshape({n, 5, h * w});
  // The grid cell of each pixel and its 3 x 3 neighbourhood (clamped at the borders).
  const torch::Tensor cy = torch::div(torch::arange(h, iopt), region_size, "floor").view({h, 1}).expand({h, w});
  const torch::Tensor cx = torch::div(torch::arange(w, iopt), region_size, "floor").view({1, w}).expand({h, w});
  std::vector<torch::Tensor> cand;
  for (int dy = -1; dy <= 1; ++dy)
    for (int dx = -1; dx <= 1; ++dx)
      cand.push_back(((cy + dy).clamp(0, gh - 1) * gw + (cx + dx).clamp(0, gw - 1)).reshape({-1}));
  const torch::Tensor candidates = torch::stack(cand);  // 9 x HW
  // Start: every pixel in its own grid cell.
  torch::Tensor labels = (cy * gw + cx).reshape({1, -1}).expand({n, h * w}).contiguous();
  auto centres_of = [&](const torch::Tensor& lab) {
    const torch::Tensor idx = lab.unsqueeze(1).expand({n, 5, h * w});
    const torch::Tensor sums = torch::zeros({n, 5, k}, fopt).scatter_add_(2, idx, feats);
    const torch::Tensor counts = torch::zeros({n, 1, k}, fopt).scatter_add_(2, lab.unsqueeze(1), torch::ones({n, 1, h * w}, fopt));
    return std::make_pair(sums / counts.clamp_min(1), counts);
  };
  auto [centres, counts] = centres_of(labels);
  for (int it = 0; it < iterations; ++it) {
    // N x 5 x 9 x HW: the features of each pixel's candidate centres.
    const torch::Tensor c = centres.index_select(2, candidates.reshape({-1})).view({n, 5, 9, h * w});
    torch::Tensor d = (c - feats.unsqueeze(2)).pow(2).sum(1);  // N x 9 x HW
    // A centre whose cell emptied keeps its place but attracts nobody.
    const torch::Tensor empty = counts.index_select(2, candidates.reshape({-1})).view({n, 9, h * w}) == 0;
    d = d.masked_fill(empty, std::numeric_limits<float>::infinity());
    const torch::Tensor best = d.argmin(1);  // N x HW in 0..8
    labels = candidates.unsqueeze(0).expand({n, 9, h * w}).gather(1, best.unsqueeze(1)).squeeze(1);
    auto next = centres_of(labels);
    centres = torch::where(next.second > 0, next.first, centres);
    counts = next.second;
  }
  return labels.view({n, h, w});
}

}  // namespace cartoonize::train
