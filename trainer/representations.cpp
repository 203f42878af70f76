#include "representations.h"

#include <opencv2/imgproc.hpp>
#include <opencv2/ximgproc.hpp>

#include <algorithm>
#include <cmath>

#include "guided_upsample.h"
#include "image_metrics.h"

namespace cartoonize::train {

torch::Tensor surface(const torch::Tensor& x, int r, double eps) { return guided_filter(x, x, r, eps); }

torch::Tensor random_shift_weights(std::mt19937_64& rng) {
  std::uniform_real_distribution<float> r(0.199f, 0.399f), g(0.487f, 0.687f), b(0.014f, 0.214f);
  return torch::tensor({r(rng), g(rng), b(rng)});
}

torch::Tensor color_shift(const torch::Tensor& x, const torch::Tensor& weights) {
  auto w = weights.to(x.device(), x.scalar_type()).view({1, 3, 1, 1});
  return (x * w).sum(1, true) / w.sum();
}

torch::Tensor superpixel_mean(const torch::Tensor& x, int region_size, float ruler) {
  torch::NoGradGuard ng;
  auto bytes = ((x.detach().to(torch::kCPU, torch::kFloat) + 1) * 127.5).round().clamp(0, 255).to(torch::kUInt8);
  bytes = bytes.permute({0, 2, 3, 1}).contiguous();  // N x H x W x 3 (RGB)
  const int64_t n = bytes.size(0), h = bytes.size(1), w = bytes.size(2);
  auto out = torch::empty({n, h, w, 3}, torch::kFloat);
  for (int64_t i = 0; i < n; ++i) {
    cv::Mat rgb(int(h), int(w), CV_8UC3, bytes[i].data_ptr<uint8_t>()), lab;
    cv::cvtColor(rgb, lab, cv::COLOR_RGB2Lab);
    auto slic = cv::ximgproc::createSuperpixelSLIC(lab, cv::ximgproc::SLICO, region_size, ruler);
    slic->iterate(10);
    slic->enforceLabelConnectivity();
    cv::Mat labels;
    slic->getLabels(labels);
    const int k = slic->getNumberOfSuperpixels();
    std::vector<cv::Vec3d> sum(size_t(k), cv::Vec3d(0, 0, 0));
    std::vector<int> count(size_t(k), 0);
    for (int y = 0; y < int(h); ++y)
      for (int x2 = 0; x2 < int(w); ++x2) {
        const int l = labels.at<int>(y, x2);
        sum[size_t(l)] += cv::Vec3d(rgb.at<cv::Vec3b>(y, x2));
        ++count[size_t(l)];
      }
    torch::Tensor out_i = out[i];
    auto o = out_i.accessor<float, 3>();
    for (int y = 0; y < int(h); ++y)
      for (int x2 = 0; x2 < int(w); ++x2) {
        const int l = labels.at<int>(y, x2);
        for (int c = 0; c < 3; ++c) o[y][x2][c] = float(sum[size_t(l)][c] / count[size_t(l)]);
      }
  }
  return (out.permute({0, 3, 1, 2}) / 127.5 - 1).to(x.device(), x.scalar_type()).contiguous();
}

namespace {

// Gaussian blur of N x C x H x W, same size (reflected borders).
torch::Tensor blur_same_size(const torch::Tensor& x, double sigma) {
  const int64_t r = std::max<int64_t>(1, int64_t(std::ceil(3 * sigma)));
  namespace F = torch::nn::functional;
  return gaussian_blur(F::pad(x, F::PadFuncOptions({r, r, r, r}).mode(torch::kReflect)), sigma, r);
}

torch::Tensor luminance(const torch::Tensor& x) {
  return 0.299 * x.narrow(1, 0, 1) + 0.587 * x.narrow(1, 1, 1) + 0.114 * x.narrow(1, 2, 1);
}

}  // namespace

torch::Tensor cartoon_rendering(const torch::Tensor& x, const CartoonRendering& o) {
  torch::NoGradGuard ng;
  const torch::Tensor smooth = surface(x, o.surface_radius, o.surface_eps);
  const torch::Tensor flat = superpixel_mean(smooth, o.region_size);
  const torch::Tensor colour = ((o.flatness * flat + (1 - o.flatness) * smooth) + 1) / 2;  // [0, 1]
  const torch::Tensor lum = (luminance(smooth) + 1) / 2;
  // Dark side of a luminance edge: the narrow blur is darker than the wide one.
  const torch::Tensor dog = blur_same_size(lum, 1.6 * o.edge_sigma) - blur_same_size(lum, o.edge_sigma);
  const torch::Tensor outline = torch::sigmoid((dog - o.edge_threshold) * 400);
  torch::Tensor out = colour * (1 - o.ink * outline);
  const torch::Tensor grey = luminance(out);
  out = grey + o.saturation * (out - grey);
  return (out.clamp(0, 1) * 2 - 1).contiguous();
}

torch::Tensor variation_loss(const torch::Tensor& x) {
  auto dx = x.narrow(3, 1, x.size(3) - 1) - x.narrow(3, 0, x.size(3) - 1);
  auto dy = x.narrow(2, 1, x.size(2) - 1) - x.narrow(2, 0, x.size(2) - 1);
  return (dx.pow(2).sum() + dy.pow(2).sum()) / double(x.numel());
}

}  // namespace cartoonize::train
