#include "bench_frames.h"

#include <cmath>

#include <opencv2/imgproc.hpp>

namespace cartoonize::bench {

cv::Mat fitted_frame(const cv::Mat& rgb, int w, int h) {
  const double want = double(w) / h, have = double(rgb.cols) / rgb.rows;
  cv::Rect r(0, 0, rgb.cols, rgb.rows);
  if (have > want) r = cv::Rect(int((rgb.cols - rgb.rows * want) / 2), 0, int(rgb.rows * want), rgb.rows);
  else r = cv::Rect(0, int((rgb.rows - rgb.cols / want) / 2), rgb.cols, int(rgb.cols / want));
  cv::Mat out;
  cv::resize(rgb(r), out, cv::Size(w, h), 0, 0, cv::INTER_AREA);
  return out;
}

cv::Mat mosaic_frame(const std::vector<cv::Mat>& rgb, int w, int h) {
  cv::Mat out(h, w, CV_8UC3);
  for (int i = 0; i < 4; ++i) {
    const int x0 = (i % 2) * (w / 2), y0 = (i / 2) * (h / 2);
    const int tw = i % 2 ? w - w / 2 : w / 2, th = i / 2 ? h - h / 2 : h / 2;
    fitted_frame(rgb[size_t(i) % rgb.size()], tw, th).copyTo(out(cv::Rect(x0, y0, tw, th)));
  }
  return out;
}

cv::Mat photo_bottoms(const std::vector<cv::Mat>& rgb, int w, int h) {
  cv::Mat out(h, w, CV_8UC3);
  const int n = int(rgb.size());
  for (int i = 0; i < n; ++i) {
    const cv::Mat& photo = rgb[size_t(i)];
    const int y0 = i * h / n, rows = (i + 1) * h / n - y0;
    cv::Mat scaled;
    cv::resize(photo, scaled, cv::Size(w, int(std::lround(double(photo.rows) * w / photo.cols))), 0, 0,
               cv::INTER_AREA);
    scaled(cv::Rect(0, scaled.rows - rows, w, rows)).copyTo(out(cv::Rect(0, y0, w, rows)));
  }
  return out;
}

}  // namespace cartoonize::bench
