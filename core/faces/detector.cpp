// dlib HOG (or face-api tiny) detection + shape prediction on OpenCV frames
// without copying the full frame into dlib types: dlib::cv_image wraps a
// cv::Mat in place.
#include "detector.h"

#include <cmath>
#include <filesystem>

#include <dlib/image_processing.h>
#include <dlib/image_processing/frontal_face_detector.h>
#include <dlib/opencv/cv_image.h>
#include <opencv2/imgproc.hpp>

#include "error.h"
#include "tiny_face_detector.h"

namespace cartoonize::faces {

struct FaceDetector::Impl {
  dlib::frontal_face_detector hog = dlib::get_frontal_face_detector();
  dlib::shape_predictor predictor;
  std::unique_ptr<faceapi::TinyFaceDetector> tiny;
};

namespace {

void require_8bit_colour(const cv::Mat& m, const char* what) {
  if (m.empty() || m.depth() != CV_8U || (m.channels() != 3 && m.channels() != 4))
    throw Error(std::string(what) + ": expected a non-empty 8-bit RGB or RGBx frame");
}

// RGBx → RGB copy; 3-channel input is returned as-is (no copy).
cv::Mat as_three_channels(const cv::Mat& m) {
  if (m.channels() == 3) return m;
  cv::Mat out;
  cv::cvtColor(m, out, cv::COLOR_RGBA2RGB);
  return out;
}

// face-api's boxes reach from the hairline to below the chin; HOG's from the
// brows to the lower lip. The box HOG would give, in units of the tiny box
// (centre offset and size), measured on the shared photos, faces/ crops and
// clips so that the shape predictor's landmarks in it match those in HOG's
// own box (tests/faceapi: TinyFaceDetector.MappedBoxesGiveHogsLandmarks).
constexpr float kTinyToHogDx = -0.015f, kTinyToHogDy = -0.05f;
constexpr float kTinyToHogW = 0.78f, kTinyToHogH = 0.86f;

cv::Rect hog_box_from_tiny(const faceapi::FaceBox& b) {
  const float cx = b.x + b.width * (0.5f + kTinyToHogDx), cy = b.y + b.height * (0.5f + kTinyToHogDy);
  const float w = b.width * kTinyToHogW, h = b.height * kTinyToHogH;
  return {int(std::lround(cx - w / 2)), int(std::lround(cy - h / 2)), std::max(1, int(std::lround(w))),
          std::max(1, int(std::lround(h)))};
}

// The tiny detector at each input size on a copy shrunk with an area filter
// (its own resampling is skipped then), boxes merged across sizes.
std::vector<cv::Rect> detect_tiny(const faceapi::TinyFaceDetector& tiny, const cv::Mat& rgb8) {
  std::vector<faceapi::FaceBox> all;
  for (const int size : kTinyInputSizes) {
    faceapi::TinyFaceOptions o;
    o.input_size = size;
    o.pad_to_square = false;  // same boxes (tests/faceapi), less work on wide frames
    const auto [w, h] = faceapi::TinyFaceDetector::scaled_size(rgb8.cols, rgb8.rows, size);
    cv::Mat small = rgb8;
    if (w < rgb8.cols) cv::resize(rgb8, small, cv::Size(w, h), 0, 0, cv::INTER_AREA);
    std::vector<faceapi::FaceBox> found = tiny.detect(small.data, small.cols, small.rows, small.step,
                                                      small.channels(), o);
    const float sx = float(rgb8.cols) / float(small.cols), sy = float(rgb8.rows) / float(small.rows);
    for (auto& b : found) all.push_back({b.x * sx, b.y * sy, b.width * sx, b.height * sy, b.score});
  }
  std::vector<cv::Rect> boxes;
  for (const auto& b : faceapi::non_max_suppression(std::move(all), faceapi::TinyFaceOptions{}.iou_threshold))
    boxes.push_back(hog_box_from_tiny(b));
  return boxes;
}

dlib::rectangle to_dlib(const cv::Rect& r) {
  return {r.x, r.y, r.x + r.width - 1, r.y + r.height - 1};  // dlib is inclusive
}

}  // namespace

FaceDetector::FaceDetector(const std::string& predictor_path) : impl_(std::make_unique<Impl>()) {
  if (!std::filesystem::is_regular_file(predictor_path))
    throw Error("face landmark model not found: " + predictor_path +
                " (Debian/Ubuntu: apt install libdlib-data)");
  try {
    dlib::deserialize(predictor_path) >> impl_->predictor;
  } catch (const std::exception& e) {
    throw Error("face landmark model " + predictor_path +
                " is not a valid dlib shape predictor: " + e.what());
  }
  if (impl_->predictor.num_parts() != kLandmarkCount)
    throw Error("face landmark model " + predictor_path + " has " +
                std::to_string(impl_->predictor.num_parts()) + " points, expected 68");
}

FaceDetector::FaceDetector(const std::string& predictor_path, DetectorKind kind, const std::string& tiny_manifest)
    : FaceDetector(predictor_path) {
  kind_ = kind;
  if (kind != DetectorKind::Tiny) return;
  if (!std::filesystem::is_regular_file(tiny_manifest))
    throw Error("face detector model not found: " + (tiny_manifest.empty() ? std::string("(none given)") : tiny_manifest));
  impl_->tiny = std::make_unique<faceapi::TinyFaceDetector>(tiny_manifest);
}

FaceDetector::~FaceDetector() = default;
FaceDetector::FaceDetector(FaceDetector&&) noexcept = default;
FaceDetector& FaceDetector::operator=(FaceDetector&&) noexcept = default;

std::vector<cv::Rect> FaceDetector::detect(const cv::Mat& rgb8, int detect_width) {
  require_8bit_colour(rgb8, "FaceDetector::detect");
  if (kind_ == DetectorKind::Tiny) return detect_tiny(*impl_->tiny, rgb8);
  // One scaled copy at most; INTER_AREA avoids aliasing HOG would see as edges.
  cv::Mat small = rgb8;
  if (detect_width > 0 && detect_width < rgb8.cols) {
    const int h = std::max(1, static_cast<int>(std::lround(double(rgb8.rows) * detect_width / rgb8.cols)));
    cv::resize(rgb8, small, cv::Size(detect_width, h), 0, 0, cv::INTER_AREA);
  }
  if (upsample_below_ > 0 && small.cols < upsample_below_)
    cv::resize(small, small, cv::Size(small.cols * 2, small.rows * 2), 0, 0, cv::INTER_LINEAR);
  small = as_three_channels(small);

  // fhog takes the strongest gradient over the three channels, so R/B order
  // does not change the result; rgb_pixel matches our byte order anyway.
  const dlib::cv_image<dlib::rgb_pixel> img(small);
  const std::vector<dlib::rectangle> found = impl_->hog(img);

  const double sx = double(rgb8.cols) / small.cols, sy = double(rgb8.rows) / small.rows;
  std::vector<cv::Rect> boxes;
  boxes.reserve(found.size());
  for (const auto& r : found) {
    const int x0 = int(std::lround(r.left() * sx)), y0 = int(std::lround(r.top() * sy));
    const int x1 = int(std::lround((r.right() + 1) * sx)), y1 = int(std::lround((r.bottom() + 1) * sy));
    boxes.emplace_back(x0, y0, x1 - x0, y1 - y0);
  }
  return boxes;
}

Landmarks FaceDetector::landmarks(const cv::Mat& rgb8, const cv::Rect& box) {
  require_8bit_colour(rgb8, "FaceDetector::landmarks");
  // RGBx: convert only a window around the face; the predictor samples
  // pixels within about half a box of it, and dlib treats outside as black.
  cv::Mat src = rgb8;
  cv::Point offset(0, 0);
  if (rgb8.channels() == 4) {
    const cv::Rect window = cv::Rect(box.x - box.width, box.y - box.height, box.width * 3,
                                     box.height * 3) & cv::Rect(0, 0, rgb8.cols, rgb8.rows);
    if (window.empty()) throw Error("FaceDetector::landmarks: box lies outside the frame");
    src = as_three_channels(rgb8(window));
    offset = window.tl();
  }
  const dlib::cv_image<dlib::rgb_pixel> img(src);
  const dlib::full_object_detection shape = impl_->predictor(img, to_dlib(box - offset));
  Landmarks out;
  for (int i = 0; i < kLandmarkCount; ++i) {
    const dlib::point p = shape.part(i);
    out[i] = cv::Point2f(float(p.x() + offset.x), float(p.y() + offset.y));
  }
  return out;
}

}  // namespace cartoonize::faces
