#include "plot.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "atomic_file.h"

namespace cartoonize::train {

void plot_losses(const std::string& csv, const std::string& png) {
  std::ifstream in(csv);
  std::string line;
  if (!std::getline(in, line)) return;
  std::vector<std::string> names;
  {
    std::stringstream ss(line);
    for (std::string n; std::getline(ss, n, ',');) names.push_back(n);
  }
  std::vector<std::vector<double>> cols(names.size());
  while (std::getline(in, line)) {
    std::stringstream ss(line);
    size_t i = 0;
    for (std::string v; std::getline(ss, v, ',') && i < cols.size(); ++i) cols[i].push_back(std::atof(v.c_str()));
  }
  if (cols.empty() || cols[0].size() < 2) return;
  const int W = 900, H = 120 * int(names.size() - 1), left = 150;
  cv::Mat img(H, W, CV_8UC3, cv::Scalar(255, 255, 255));
  int row = 0;
  for (size_t c = 1; c < names.size(); ++c) {
    if (names[c] == "seconds" || cols[c].size() != cols[0].size()) continue;
    // Moving average over ~1 % of the run smooths the per-step noise.
    const size_t n = cols[c].size(), win = std::max<size_t>(1, n / 100);
    std::vector<double> avg(n);
    double sum = 0;
    for (size_t i = 0; i < n; ++i) {
      sum += cols[c][i];
      if (i >= win) sum -= cols[c][i - win];
      avg[i] = sum / double(std::min(i + 1, win));
    }
    const auto [lo, hi] = std::minmax_element(avg.begin(), avg.end());
    const double span = std::max(*hi - *lo, 1e-12);
    const int y0 = row * 120 + 10, h = 100;
    cv::rectangle(img, cv::Rect(left, y0, W - left - 10, h), cv::Scalar(220, 220, 220));
    std::vector<cv::Point> pts;
    for (size_t i = 0; i < n; ++i)
      pts.emplace_back(left + int(double(i) / double(n - 1) * (W - left - 10)),
                       y0 + h - int((avg[i] - *lo) / span * h));
    cv::polylines(img, pts, false, cv::Scalar(180, 80, 20), 1, cv::LINE_AA);
    char label[128];
    std::snprintf(label, sizeof label, "%s", names[c].c_str());
    cv::putText(img, label, {5, y0 + 30}, cv::FONT_HERSHEY_SIMPLEX, 0.5, cv::Scalar(0, 0, 0), 1, cv::LINE_AA);
    std::snprintf(label, sizeof label, "%.3g..%.3g", *lo, *hi);
    cv::putText(img, label, {5, y0 + 55}, cv::FONT_HERSHEY_SIMPLEX, 0.4, cv::Scalar(90, 90, 90), 1, cv::LINE_AA);
    ++row;
  }
  const std::string caption = "iterations " + std::to_string(int64_t(cols[0].front())) + " .. " +
                              std::to_string(int64_t(cols[0].back()));
  cv::putText(img, caption, {left, H - 4}, cv::FONT_HERSHEY_SIMPLEX, 0.4, cv::Scalar(90, 90, 90), 1, cv::LINE_AA);
  std::vector<uchar> bytes;
  cv::imencode(".png", img(cv::Rect(0, 0, W, std::max(1, row * 120))), bytes);
  write_file_atomically(png, [&](std::ostream& out) { out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size())); });
}

}  // namespace cartoonize::train
