#include "eval_metrics.h"

#include <cmath>

#include "align.h"
#include "eval_skin.h"

namespace cartoonize::train {

double landmark_nme(const faces::Landmarks& ref, const faces::Landmarks& other) {
  const double iod = cv::norm(ref[36] - ref[45]);
  double sum = 0;
  for (size_t i = 0; i < ref.size(); ++i) sum += cv::norm(ref[i] - other[i]);
  return iod > 0 ? sum / double(ref.size()) / iod : 0.0;
}

FaceMetrics::FaceMetrics(faces::FaceDetector& detector, FaceIdentity& identity, const CartoonClassifier& classifier,
                         int crop_size, float margin)
    : detector_(detector), identity_(identity), classifier_(classifier), crop_size_(crop_size), margin_(margin) {}

void FaceMetrics::add(const cv::Mat& input, const std::vector<faces::TrackedFace>& input_faces, const cv::Mat& output,
                      const std::vector<cv::Mat>& styled_crops) {
  if (input_faces.empty()) return;
  for (size_t i = 0; i < input_faces.size() && i < styled_crops.size(); ++i)
    totals_.cartoon_crop += classifier_.cartoon_probability(styled_crops[i]) > 0.5;
  const std::vector<cv::Rect> found = detector_.detect(output, 0);
  for (const auto& face : input_faces) {
    ++totals_.faces;
    float best = 0.f;
    for (const auto& box : found) best = std::max(best, faces::iou(box, face.box));
    totals_.redetected += best >= kRedetectIou;
    // The shape predictor is given the input's box on both images, so the
    // error is the landmarks' move, not a difference between detections.
    const faces::Landmarks out_lm = detector_.landmarks(output, face.box);
    totals_.nme += landmark_nme(face.raw, out_lm);
    const FaceDescriptor a = identity_.describe(input, face.raw), b = identity_.describe(output, out_lm);
    totals_.cosine += cosine_similarity(a, b);
    totals_.match += euclidean_distance(a, b) < kSamePersonDistance;
    const cv::Matx23f M = faces::alignment_transform(face.raw, crop_size_, margin_);
    totals_.cartoon += classifier_.cartoon_probability(faces::warp_face(output, M, crop_size_)) > 0.5;
    totals_.cartoon_input += classifier_.cartoon_probability(faces::warp_face(input, M, crop_size_)) > 0.5;
    // Skin as a person sees it: on the pasted output, in the fixed skin geometry.
    const cv::Matx23f S = faces::alignment_transform(face.raw, kSkinCropSize, kSkinCropMargin);
    const cv::Mat skin = skin_region(faces::transform_landmarks(S, face.raw), kSkinCropSize);
    const cv::Mat in_crop = faces::warp_face(input, S, kSkinCropSize), out_crop = faces::warp_face(output, S, kSkinCropSize);
    totals_.skin_lines += skin_line_share(out_crop, skin);
    totals_.skin_lines_input += skin_line_share(in_crop, skin);
    const cv::Vec3d d = skin_lab_mean(out_crop, skin) - skin_lab_mean(in_crop, skin);
    totals_.skin_dL += d[0];
    totals_.skin_da += d[1];
    totals_.skin_db += d[2];
    totals_.skin_ab_shift += std::hypot(d[1], d[2]);
  }
}

}  // namespace cartoonize::train
