// Face boxes (dlib's HOG frontal face detector) and 68 landmarks (dlib's
// shape predictor) on 8-bit RGB frames. dlib stays behind a pimpl: its headers
// are heavy and must not reach the element or the trainer.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "landmarks.h"

namespace cartoonize::faces {

// Where Debian's libdlib-data installs the 68-point model.
inline constexpr const char* kDefaultPredictorPath =
    "/usr/share/dlib/shape_predictor_68_face_landmarks.dat";

// Frames (after the detect_width downscale) narrower than this are doubled
// before HOG: its 80×80 window misses faces that fill a small image.
inline constexpr int kDefaultUpsampleBelow = 320;

// Not thread-safe; use one per thread (one per element instance).
class FaceDetector {
 public:
  // Throws cartoonize::Error naming the file if it is missing or not a
  // dlib shape predictor.
  explicit FaceDetector(const std::string& predictor_path = kDefaultPredictorPath);
  ~FaceDetector();
  FaceDetector(FaceDetector&&) noexcept;
  FaceDetector& operator=(FaceDetector&&) noexcept;

  // Face boxes in full-resolution coordinates. HOG runs on a copy of the frame
  // scaled to detect_width pixels wide (0 or >= frame width: full size).
  // rgb8: CV_8UC3 (or CV_8UC4, 4th channel ignored). RGB or BGR give the
  // same result: HOG takes the strongest gradient over the channels and the
  // shape predictor averages them.
  std::vector<cv::Rect> detect(const cv::Mat& rgb8, int detect_width);

  // 68 landmarks of the face in box, on the full-resolution frame.
  Landmarks landmarks(const cv::Mat& rgb8, const cv::Rect& box);

  // Width below which detect() upsamples 2× (0 disables).
  void set_upsample_below(int width_px) { upsample_below_ = width_px; }
  int upsample_below() const { return upsample_below_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int upsample_below_ = kDefaultUpsampleBelow;
};

}  // namespace cartoonize::faces
