// The face path `eval` measures: faces found by dlib (on every frame, or
// tracked the way the element tracks them), aligned crops restyled by the
// model or by a classical baseline, pasted back with the element's feathered
// masks. Only the restyling step differs between model and baselines, so the
// table shows what the model adds.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "detector.h"
#include "engine.h"
#include "face_crops.h"
#include "representations.h"

namespace cartoonize::train {

// Classical cartoon filters on an 8-bit RGB image (the baselines).
cv::Mat stylization_baseline(const cv::Mat& rgb8);     // OpenCV's cv::stylization
cv::Mat bilateral_edge_baseline(const cv::Mat& rgb8);  // bilateral colour flattening + adaptive-threshold edges
// The trainer's own cartoon rendering (pretrain --target cartoon's pixel
// target): the ceiling of what a generator trained towards it can reach.
cv::Mat rendering_baseline(const cv::Mat& rgb8, const CartoonRendering& rendering);

class CropStylizer {
 public:
  // baseline "" runs `model` (a .ctzm or TorchScript file) through the Engine;
  // "stylization", "bilateral-edge" or "rendering" (with `rendering`) use
  // that filter on crops of crop_size (the model is then not loaded).
  // Throws Error on a bad name or model.
  // output_filter: overrides the model file's own (EngineOptions).
  CropStylizer(const std::string& model, const std::string& baseline, int crop_size,
               const CartoonRendering& rendering = {}, std::optional<OutputFilter> output_filter = {});
  ~CropStylizer();
  // Restyles every crop (RGB) into its `cartoon`: float from the model,
  // bytes from a baseline.
  void stylize(std::vector<faces::FaceCrop>& crops);
  int crop_size() const { return crop_size_; }
  // "model FILE" or "baseline NAME" for the table.
  const std::string& name() const { return name_; }

 private:
  std::unique_ptr<Engine> engine_;
  std::string baseline_, name_;
  int crop_size_;
  CartoonRendering rendering_;
};

// Every face dlib finds in the image (HOG on a copy detect_width wide, 0: full
// size), with unsmoothed landmarks at full presence: a photo, or a video frame
// without tracking.
std::vector<faces::TrackedFace> detect_faces(faces::FaceDetector& detector, const cv::Mat& rgb8, int detect_width);

struct StyledImage {
  cv::Mat image;                  // RGB, the input's size
  std::vector<cv::Rect> regions;  // where paste-back may have changed pixels
  std::vector<cv::Mat> crops;     // the restyled aligned crops (as bytes) before paste-back, one per face
};

// A copy of rgb8 with these faces restyled and pasted back at full strength
// (the host face pipeline, faces::restyle_faces_in_frame).
StyledImage stylize_faces(const cv::Mat& rgb8, const std::vector<faces::TrackedFace>& faces, CropStylizer& stylizer,
                          const faces::FaceStyle& style);

}  // namespace cartoonize::train
