// See face_test_data.h.
#include "face_test_data.h"

#include <cstdlib>
#include <stdexcept>

#include "test_support.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

namespace cartoonize::faces::test {

std::filesystem::path shared_data() { return cartoonize::testing::shared_data_dir(); }

cv::Mat load_rgb(const std::filesystem::path& file) {
  cv::Mat bgr = cv::imread(file.string(), cv::IMREAD_COLOR);
  if (bgr.empty()) throw std::runtime_error("cannot read image " + file.string());
  cv::Mat rgb;
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  return rgb;
}

std::vector<std::filesystem::path> sample_photos() {
  std::vector<std::filesystem::path> out;
  for (int i = 1; i <= 4; ++i)
    out.push_back(shared_data() / "photos" / ("sample" + std::to_string(i) + ".jpg"));
  return out;
}

std::vector<cv::Mat> read_clip(const std::filesystem::path& file, int max_frames, int first_frame) {
  cv::VideoCapture cap(file.string(), cv::CAP_FFMPEG);
  if (!cap.isOpened()) throw std::runtime_error("cannot open clip " + file.string());
  std::vector<cv::Mat> frames;
  cv::Mat bgr;
  for (int i = 0; i < first_frame + max_frames && cap.read(bgr); ++i) {
    if (i < first_frame) continue;
    cv::Mat rgb;
    cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
    frames.push_back(rgb);
  }
  if (frames.empty()) throw std::runtime_error("no frame decoded from " + file.string());
  return frames;
}

FaceDetector& detector() {
  static FaceDetector d;
  return d;
}

double jitter(const std::vector<Landmarks>& seq) {
  double sum = 0;
  long n = 0;
  for (size_t k = 1; k + 1 < seq.size(); ++k)
    for (int i = 0; i < kLandmarkCount; ++i) {
      const cv::Point2f d2 = seq[k + 1][i] - 2 * seq[k][i] + seq[k - 1][i];
      sum += std::hypot(d2.x, d2.y);
      ++n;
    }
  return n ? sum / n : 0.0;
}

cv::Mat inverted(const cv::Mat& m) {
  cv::Mat out;
  cv::bitwise_not(m, out);
  return out;
}

int count_differing(const cv::Mat& a, const cv::Mat& b, int tolerance) {
  cv::Mat diff;
  cv::absdiff(a, b, diff);
  cv::Mat flat = diff.reshape(1, int(diff.total()));
  cv::Mat worst;
  cv::reduce(flat, worst, 1, cv::REDUCE_MAX);
  return cv::countNonZero(worst > tolerance);
}

}  // namespace cartoonize::faces::test
