// OpenCV ximgproc's SLICO superpixels, filled with region colours: the
// reference the LibTorch superpixels (superpixels.h) are compared with in
// tests/test_trainer.cpp. Full build only.
#include "superpixels_opencv.h"

#include <opencv2/imgproc.hpp>
#include <opencv2/ximgproc.hpp>

namespace cartoonize::train {

torch::Tensor superpixel_mean_ximgproc(const torch::Tensor& x, int region_size, float ruler) {
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

}  // namespace cartoonize::train
