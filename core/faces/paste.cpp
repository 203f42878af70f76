// Soft face mask and ROI-limited blend (see paste.h).
#include "paste.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include <opencv2/imgproc.hpp>

#include "align.h"
#include "error.h"

namespace cartoonize::faces {

cv::Mat face_mask(const Landmarks& lm, int size, float grow, float feather) {
  if (size <= 2) throw Error("face_mask: size must be > 2");
  const cv::Point2f chin = lm[lm::kChin];
  const cv::Point2f brow_mid = mean_point(lm, lm::kBrowsFirst, lm::kBrowsLast);
  const cv::Point2f up_vec = brow_mid - chin;
  const float face_size = std::max(1.f, float(cv::norm(up_vec)));
  const cv::Point2f raise = up_vec * kForeheadRaise;

  std::vector<cv::Point2f> outline;
  for (int i = lm::kJawFirst; i <= lm::kJawLast; ++i) outline.push_back(lm[i]);
  for (int i = lm::kBrowsFirst; i <= lm::kBrowsLast; ++i) outline.push_back(lm[i] + raise);
  std::vector<cv::Point2f> hull;
  cv::convexHull(outline, hull);

  // Grow radially from the centroid: for a convex outline this is close to a
  // dilation and costs nothing.
  cv::Point2f centre(0, 0);
  for (const auto& p : hull) centre += p;
  centre *= 1.f / float(hull.size());
  std::vector<cv::Point> poly;
  for (const auto& p : hull) {
    const cv::Point2f d = p - centre;
    const float len = std::max(1e-3f, float(cv::norm(d)));
    const cv::Point2f q = p + d * (grow * face_size / len);
    poly.emplace_back(int(std::lround(q.x)), int(std::lround(q.y)));
  }

  cv::Mat inside(size, size, CV_8UC1, cv::Scalar(0));
  cv::fillConvexPoly(inside, poly, cv::Scalar(255), cv::LINE_8);
  // Zero the crop border so the fade also reaches 0 before the crop's edge.
  cv::rectangle(inside, cv::Rect(0, 0, size, size), cv::Scalar(0), 1);

  // Distance inside the shape → smoothstep ramp: exactly 0 outside, 1 deeper
  // than the feather width, C¹ in between (no visible seam).
  cv::Mat dist;
  cv::distanceTransform(inside, dist, cv::DIST_L2, cv::DIST_MASK_PRECISE, CV_32F);
  const float feather_px = std::max(1.f, feather * face_size);
  cv::Mat mask(size, size, CV_32FC1);
  for (int y = 0; y < size; ++y) {
    const float* d = dist.ptr<float>(y);
    float* m = mask.ptr<float>(y);
    for (int x = 0; x < size; ++x) {
      const float t = std::min(1.f, d[x] / feather_px);
      m[x] = t * t * (3.f - 2.f * t);
    }
  }
  return mask;
}

cv::Rect paste_region(const cv::Matx23f& M, cv::Size crop_size, cv::Size frame_size) {
  const PixelBox b = paste_box(to_affine(M), crop_size.width, crop_size.height, frame_size.width, frame_size.height);
  return b.empty() ? cv::Rect() : cv::Rect(b.x, b.y, b.width, b.height);
}

namespace {

// frame(roi) += alpha * min(1, mask) * (crop - frame), rounded once; pixels
// the mask leaves at 0 untouched. crop_w, mask_w: warped to roi's size.
template <typename CropT>
void blend_region(cv::Mat& frame, const cv::Rect& roi, const cv::Mat& crop_w, const cv::Mat& mask_w, float alpha) {
  const int fc = frame.channels(), cc = crop_w.channels();
  for (int y = 0; y < roi.height; ++y) {
    uchar* f = frame.ptr<uchar>(roi.y + y) + roi.x * fc;
    const CropT* c = crop_w.ptr<CropT>(y);
    const float* m = mask_w.ptr<float>(y);
    for (int x = 0; x < roi.width; ++x, f += fc, c += cc) {
      const float w = alpha * std::min(1.f, m[x]);
      if (w <= 0.f) continue;  // untouched, bit for bit
      for (int k = 0; k < 3; ++k)
        f[k] = cv::saturate_cast<uchar>(float(f[k]) + w * (float(c[k]) - float(f[k])));
    }
  }
}

}  // namespace

void paste_back(cv::Mat& frame, const cv::Mat& crop, const cv::Mat& mask, const cv::Matx23f& M,
                float alpha) {
  if (frame.depth() != CV_8U || (frame.channels() != 3 && frame.channels() != 4))
    throw Error("paste_back: frame must be CV_8UC3 or CV_8UC4");
  if (!(crop.depth() == CV_8U && (crop.channels() == 3 || crop.channels() == 4)) && crop.type() != CV_32FC3)
    throw Error("paste_back: crop must be CV_8UC3, CV_8UC4 or CV_32FC3");
  if (mask.type() != CV_32FC1 || mask.size() != crop.size())
    throw Error("paste_back: mask must be CV_32FC1 of the crop's size");
  if (alpha <= 0.f) return;
  alpha = std::min(alpha, 1.f);

  const cv::Rect roi = paste_region(M, crop.size(), frame.size());
  if (roi.empty()) return;

  // Sampling position of ROI pixel (x, y) in the crop: M · (x + roi.x, y + roi.y).
  cv::Matx23f M_roi = M;
  M_roi(0, 2) += M(0, 0) * roi.x + M(0, 1) * roi.y;
  M_roi(1, 2) += M(1, 0) * roi.x + M(1, 1) * roi.y;
  cv::Mat crop_w, mask_w;
  const int flags = cv::INTER_LINEAR | cv::WARP_INVERSE_MAP;
  cv::warpAffine(crop, crop_w, cv::Mat(M_roi), roi.size(), flags, cv::BORDER_REPLICATE);
  cv::warpAffine(mask, mask_w, cv::Mat(M_roi), roi.size(), flags, cv::BORDER_CONSTANT, 0);

  if (crop.depth() == CV_8U) blend_region<uchar>(frame, roi, crop_w, mask_w, alpha);
  else blend_region<float>(frame, roi, crop_w, mask_w, alpha);
}

}  // namespace cartoonize::faces
