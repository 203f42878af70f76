// See real_faces.h.
#include "real_faces.h"

#include <algorithm>
#include <cstdlib>
#include <stdexcept>

#include "face_test_data.h"
#include "test_support.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "detector.h"

namespace cartoonize::faceapi::test {

std::filesystem::path shared_data() { return cartoonize::testing::shared_data_dir(); }

std::filesystem::path model_dir() { return shared_data() / "models" / "face-api"; }

namespace {

using cartoonize::faces::test::load_rgb;  // the faces tests' loader

std::vector<std::filesystem::path> sorted_jpgs(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> out;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.path().extension() == ".jpg") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

faces::FaceDetector& detector() {
  static faces::FaceDetector d;  // loading the 68-point model takes ~1 s
  return d;
}

void add_faces(const std::filesystem::path& file, size_t max_faces, std::vector<Face>& out) {
  const cv::Mat rgb = load_rgb(file);
  std::vector<cv::Rect> boxes = detector().detect(rgb, 0);
  if (boxes.size() > max_faces) boxes.resize(max_faces);
  for (const cv::Rect& b : boxes) out.push_back({rgb, b, detector().landmarks(rgb, b), file.filename().string()});
}

}  // namespace

std::vector<Face> photo_faces() {
  std::vector<Face> out;
  for (const auto& f : sorted_jpgs(shared_data() / "photos")) add_faces(f, 100, out);
  return out;
}

std::vector<Face> utk_faces(int face_files) {
  std::vector<Face> out;
  auto files = sorted_jpgs(shared_data() / "faces");
  if (int(files.size()) > face_files) files.resize(size_t(face_files));
  for (const auto& f : files) add_faces(f, 1, out);
  return out;
}

Square square_around(const cv::Rect& box, float scale, float shift_down) {
  const float side = scale * float(std::max(box.width, box.height));
  const float cx = box.x + box.width * 0.5f, cy = box.y + box.height * 0.5f + shift_down * side;
  return {cx - side / 2, cy - side / 2, side};
}

Square aligned_square(const faces::Landmarks& lm) {
  const cv::Rect2f b = faces::landmark_bounds(lm);
  const float w = b.width * 1.2f, h = b.height * 1.2f;
  const float side = std::max(w, h);
  const float cx = b.x + b.width / 2, cy = b.y + b.height / 2;
  return {cx - side / 2, cy - side / 2, side};
}

torch::Tensor crop(const cv::Mat& rgb, const Square& sq, int out) {
  // Cut the square at full resolution (zeros beyond the border), then resize:
  // INTER_AREA averages when shrinking, as a browser's drawImage roughly does.
  const int x0 = int(std::floor(sq.x)), y0 = int(std::floor(sq.y));
  const int side = std::max(1, int(std::lround(sq.side)));
  cv::Mat patch(side, side, CV_8UC3, cv::Scalar::all(0));
  const cv::Rect want(x0, y0, side, side);
  const cv::Rect have = want & cv::Rect(0, 0, rgb.cols, rgb.rows);
  if (have.area() > 0) rgb(have).copyTo(patch(cv::Rect(have.x - x0, have.y - y0, have.width, have.height)));
  cv::Mat small;
  cv::resize(patch, small, cv::Size(out, out), 0, 0, side > out ? cv::INTER_AREA : cv::INTER_LINEAR);
  torch::Tensor t = torch::from_blob(small.data, {out, out, 3}, torch::kUInt8).clone();
  return t.permute({2, 0, 1}).unsqueeze(0).to(torch::kFloat32).contiguous();
}

cv::Point2f to_image(const Square& sq, int out, cv::Point2f p) {
  // crop() starts at floor(x) with a rounded side; match it exactly.
  const float side = float(std::max(1L, std::lround(sq.side)));
  return {std::floor(sq.x) + p.x * side / float(out), std::floor(sq.y) + p.y * side / float(out)};
}

}  // namespace cartoonize::faceapi::test
