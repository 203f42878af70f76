// Closed-form similarity fit and the warps built on it (see align.h).
#include "align.h"

#include <cmath>

#include <opencv2/imgproc.hpp>

#include "error.h"

namespace cartoonize::faces {

std::array<cv::Point2f, 5> template_points(int size, float margin) {
  std::array<cv::Point2f, 5> out;
  const float scale = float(size) / (1.f + 2.f * margin);
  for (int i = 0; i < 5; ++i) {
    const float u = kArcFaceTemplate112[i][0] / 112.f, v = kArcFaceTemplate112[i][1] / 112.f;
    out[i] = cv::Point2f((u + margin) * scale, (v + margin) * scale);
  }
  return out;
}

cv::Matx23f similarity_transform(const std::array<cv::Point2f, 5>& src,
                                 const std::array<cv::Point2f, 5>& dst) {
  // With centred points, the LS solution of q ≈ [a -b; b a] p is
  // a = Σ p·q / Σ|p|², b = Σ p×q / Σ|p|²; the translation matches the means.
  cv::Point2d ms(0, 0), md(0, 0);
  for (int i = 0; i < 5; ++i) {
    ms += cv::Point2d(src[i]);
    md += cv::Point2d(dst[i]);
  }
  ms *= 0.2;
  md *= 0.2;
  double dot = 0, cross = 0, norm = 0;
  for (int i = 0; i < 5; ++i) {
    const cv::Point2d p = cv::Point2d(src[i]) - ms, q = cv::Point2d(dst[i]) - md;
    dot += p.x * q.x + p.y * q.y;
    cross += p.x * q.y - p.y * q.x;
    norm += p.x * p.x + p.y * p.y;
  }
  if (norm < 1e-9) throw Error("alignment: landmarks are degenerate (all at one point)");
  const double a = dot / norm, b = cross / norm;
  const double tx = md.x - (a * ms.x - b * ms.y), ty = md.y - (b * ms.x + a * ms.y);
  return cv::Matx23f(float(a), float(-b), float(tx), float(b), float(a), float(ty));
}

cv::Matx23f alignment_transform(const Landmarks& lm, int size, float margin) {
  return similarity_transform(five_points(lm), template_points(size, margin));
}

cv::Mat warp_face(const cv::Mat& frame, const cv::Matx23f& M, int size) {
  cv::Mat crop;
  cv::warpAffine(frame, crop, cv::Mat(M), cv::Size(size, size), cv::INTER_LINEAR,
                 cv::BORDER_REPLICATE);
  return crop;
}

float similarity_scale(const cv::Matx23f& M) {
  return std::sqrt(std::abs(M(0, 0) * M(1, 1) - M(0, 1) * M(1, 0)));
}

cv::Matx23f invert(const cv::Matx23f& M) { return to_matx(invert_affine(to_affine(M))); }

Affine to_affine(const cv::Matx23f& M) { return {M(0, 0), M(0, 1), M(0, 2), M(1, 0), M(1, 1), M(1, 2)}; }

cv::Matx23f to_matx(const Affine& a) { return cv::Matx23f(a[0], a[1], a[2], a[3], a[4], a[5]); }

cv::Point2f transform_point(const cv::Matx23f& M, cv::Point2f p) {
  return {M(0, 0) * p.x + M(0, 1) * p.y + M(0, 2), M(1, 0) * p.x + M(1, 1) * p.y + M(1, 2)};
}

Landmarks transform_landmarks(const cv::Matx23f& M, const Landmarks& lm) {
  Landmarks out;
  for (int i = 0; i < kLandmarkCount; ++i) out[i] = transform_point(M, lm[i]);
  return out;
}

}  // namespace cartoonize::faces
