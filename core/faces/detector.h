// Face boxes (dlib's HOG frontal face detector, or face-api's tiny YOLOv2
// detector in LibTorch, core/faceapi) and 68 landmarks (dlib's shape
// predictor) on 8-bit RGB frames. dlib and LibTorch stay behind a pimpl: their
// headers are heavy and must not reach the element or the trainer.
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

// Which detector finds the boxes; landmarks always come from the shape predictor.
enum class DetectorKind {
  Hog,   // dlib's HOG + linear SVM (CPU, ~80 px smallest face at the detect width)
  Tiny,  // face-api's tiny face detector (LibTorch), boxes mapped to HOG's convention
};

// The tiny detector runs at these input sizes (long side of the frame scaled
// to each, see TinyFaceOptions) and merges their boxes: 224 finds faces that
// fill much of the frame, 416 smaller ones (each size alone misses the other
// kind; tests/faceapi, docs/performance.md).
inline constexpr int kTinyInputSizes[] = {224, 416};

// Not thread-safe; use one per thread (one per element instance).
class FaceDetector {
 public:
  // Throws cartoonize::Error naming the file if it is missing or not a
  // dlib shape predictor.
  explicit FaceDetector(const std::string& predictor_path = kDefaultPredictorPath);
  // kind Tiny also loads face-api's tiny_face_detector_model-weights_manifest.json
  // (tiny_manifest; its .bin beside it) on the CPU; throws cartoonize::Error
  // naming the file if it cannot.
  FaceDetector(const std::string& predictor_path, DetectorKind kind, const std::string& tiny_manifest);
  ~FaceDetector();
  FaceDetector(FaceDetector&&) noexcept;
  FaceDetector& operator=(FaceDetector&&) noexcept;

  // Face boxes in full-resolution coordinates, in HOG's box convention (the
  // box the shape predictor was trained on) whatever the kind. HOG runs on a
  // copy of the frame scaled to detect_width pixels wide (0 or >= frame
  // width: full size); the tiny detector ignores detect_width and scales the
  // frame to each of kTinyInputSizes.
  // rgb8: CV_8UC3 (or CV_8UC4, 4th channel ignored). RGB or BGR give the
  // same result: HOG takes the strongest gradient over the channels and the
  // shape predictor averages them.
  std::vector<cv::Rect> detect(const cv::Mat& rgb8, int detect_width);

  // 68 landmarks of the face in box, on the full-resolution frame.
  Landmarks landmarks(const cv::Mat& rgb8, const cv::Rect& box);

  DetectorKind kind() const { return kind_; }

  // Width below which detect() upsamples 2× for HOG (0 disables).
  void set_upsample_below(int width_px) { upsample_below_ = width_px; }
  int upsample_below() const { return upsample_below_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  DetectorKind kind_ = DetectorKind::Hog;
  int upsample_below_ = kDefaultUpsampleBelow;
};

}  // namespace cartoonize::faces
