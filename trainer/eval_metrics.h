// `eval`'s metrics on still photos: is each input face still found by dlib in
// the output, with the same 68 landmarks, as the same person (dlib ResNet),
// does its aligned crop look like a cartoon to the classifier, and does its
// skin stay clean and of its own colour (eval_skin.h).
#pragma once
#include <vector>

#include <opencv2/core.hpp>

#include "detector.h"
#include "eval_classifier.h"
#include "eval_identity.h"
#include "tracker.h"

namespace cartoonize::train {

// Detector boxes at least this IoU apart are the same face.
inline constexpr float kRedetectIou = 0.5f;

// Mean landmark distance normalised by the inter-ocular distance (outer eye
// corners 36 and 45 of the reference): the 300-W NME.
double landmark_nme(const faces::Landmarks& reference, const faces::Landmarks& other);

struct FaceTotals {
  int faces = 0;
  double redetected = 0, nme = 0, cosine = 0, match = 0, cartoon = 0, cartoon_input = 0, cartoon_crop = 0;  // sums over faces
  // Skin (eval_skin.h), sums over faces: line share of output and input;
  // output minus input mean L*, a*, b*; the a*b* distance of the two means.
  double skin_lines = 0, skin_lines_input = 0, skin_dL = 0, skin_da = 0, skin_db = 0, skin_ab_shift = 0;
  double mean(double sum) const { return faces ? sum / faces : 0.0; }
};

class FaceMetrics {
 public:
  // All borrowed. crop_size and margin: the classifier sees the face as
  // `prepare` aligned its training photos.
  FaceMetrics(faces::FaceDetector& detector, FaceIdentity& identity, const CartoonClassifier& classifier, int crop_size,
              float margin);
  // Scores every face found in the input (input_faces, full-size detection)
  // against the restyled output of the same size. styled_crops (one per
  // face, or empty) are the restyled crops before paste-back: the classifier
  // also scores them alone (cartoon_crop), since face mode pastes only the
  // face and leaves hair and background of the aligned crop photographic.
  void add(const cv::Mat& input_rgb, const std::vector<faces::TrackedFace>& input_faces, const cv::Mat& output_rgb,
           const std::vector<cv::Mat>& styled_crops = {});
  const FaceTotals& totals() const { return totals_; }

 private:
  faces::FaceDetector& detector_;
  FaceIdentity& identity_;
  const CartoonClassifier& classifier_;
  int crop_size_;
  float margin_;
  FaceTotals totals_;
};

}  // namespace cartoonize::train
