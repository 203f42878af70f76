// Derived points of the 68-point layout (see landmarks.h).
#include "landmarks.h"

#include <algorithm>

namespace cartoonize::faces {

cv::Point2f mean_point(const Landmarks& l, int first, int last) {
  cv::Point2f sum(0.f, 0.f);
  for (int i = first; i <= last; ++i) sum += l[i];
  return sum * (1.f / static_cast<float>(last - first + 1));
}

std::array<cv::Point2f, 5> five_points(const Landmarks& l) {
  return {mean_point(l, lm::kRightEyeFirst, lm::kRightEyeLast),
          mean_point(l, lm::kLeftEyeFirst, lm::kLeftEyeLast), l[lm::kNoseTip],
          l[lm::kMouthRight], l[lm::kMouthLeft]};
}

cv::Rect2f landmark_bounds(const Landmarks& l) {
  float x0 = l[0].x, y0 = l[0].y, x1 = l[0].x, y1 = l[0].y;
  for (const auto& p : l) {
    x0 = std::min(x0, p.x);
    y0 = std::min(y0, p.y);
    x1 = std::max(x1, p.x);
    y1 = std::max(y1, p.y);
  }
  return {x0, y0, x1 - x0, y1 - y0};
}

}  // namespace cartoonize::faces
