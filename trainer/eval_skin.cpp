#include "eval_skin.h"

#include <initializer_list>
#include <vector>

#include <opencv2/imgproc.hpp>

#include "error.h"

namespace cartoonize::train {
namespace {

// Convex region through these points, shrunk by `keep` towards its centroid.
void fill_shrunk(cv::Mat& mask, const std::vector<cv::Point2f>& points, float keep) {
  std::vector<cv::Point2f> hull;
  cv::convexHull(points, hull);
  cv::Point2f c(0, 0);
  for (const auto& p : hull) c += p;
  c *= 1.f / float(hull.size());
  std::vector<cv::Point> poly;
  for (const auto& p : hull) {
    const cv::Point2f q = c + (p - c) * keep;
    poly.emplace_back(cvRound(q.x), cvRound(q.y));
  }
  cv::fillConvexPoly(mask, poly, cv::Scalar(255), cv::LINE_8);
}

std::vector<cv::Point2f> points_of(const faces::Landmarks& lm, std::initializer_list<int> ids) {
  std::vector<cv::Point2f> out;
  for (int i : ids) out.push_back(lm[i]);
  return out;
}

}  // namespace

cv::Mat skin_region(const faces::Landmarks& lm, int size) {
  cv::Mat mask(size, size, CV_8UC1, cv::Scalar(0));
  // Cheeks: between the jaw, the lower eyelid, the side of the nose and the
  // mouth corner (dlib's 68-point numbering).
  fill_shrunk(mask, points_of(lm, {1, 2, 3, 4, 48, 31, 40, 41}), 0.75f);
  fill_shrunk(mask, points_of(lm, {15, 14, 13, 12, 54, 35, 47, 46}), 0.75f);
  // Forehead: a band above the brows, 8-30 % of the brow-chin distance up
  // (above that, hairlines and bangs begin on many faces).
  const cv::Point2f brow_mid = faces::mean_point(lm, faces::lm::kBrowsFirst, faces::lm::kBrowsLast);
  const cv::Point2f up = brow_mid - lm[faces::lm::kChin];
  std::vector<cv::Point2f> band;
  for (int i : {18, 20, 23, 25}) {
    band.push_back(lm[i] + up * 0.08f);
    band.push_back(lm[i] + up * 0.30f);
  }
  fill_shrunk(mask, band, 0.9f);
  return mask;
}

double skin_line_share(const cv::Mat& rgb, const cv::Mat& skin) {
  if (rgb.type() != CV_8UC3 || skin.type() != CV_8UC1 || rgb.size() != skin.size())
    throw Error("skin_line_share: an 8-bit RGB crop and a mask of its size");
  cv::Mat grey, blackhat;
  cv::cvtColor(rgb, grey, cv::COLOR_RGB2GRAY);
  cv::morphologyEx(grey, blackhat, cv::MORPH_BLACKHAT, cv::getStructuringElement(cv::MORPH_ELLIPSE, {5, 5}));
  const int n = cv::countNonZero(skin);
  if (n == 0) return 0.0;
  const cv::Mat on_line = (blackhat > kSkinLineContrast) & skin;
  return double(cv::countNonZero(on_line)) / double(n);
}

cv::Vec3d skin_lab_mean(const cv::Mat& rgb, const cv::Mat& skin) {
  if (rgb.type() != CV_8UC3 || skin.type() != CV_8UC1 || rgb.size() != skin.size())
    throw Error("skin_lab_mean: an 8-bit RGB crop and a mask of its size");
  cv::Mat f, lab;
  rgb.convertTo(f, CV_32F, 1.0 / 255.0);  // float input: OpenCV gives L 0..100, a/b unscaled
  cv::cvtColor(f, lab, cv::COLOR_RGB2Lab);
  const cv::Scalar m = cv::mean(lab, skin);
  return {m[0], m[1], m[2]};
}

}  // namespace cartoonize::train
