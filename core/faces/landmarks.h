// The 68-point landmark layout (iBUG 300-W, as dlib's shape predictor emits it)
// and the few derived points the rest of core/faces needs. Kept separate so
// callers can handle landmarks without pulling in the detector.
#pragma once
#include <array>
#include <opencv2/core.hpp>

namespace cartoonize::faces {

inline constexpr int kLandmarkCount = 68;
using Landmarks = std::array<cv::Point2f, kLandmarkCount>;

// Index ranges [first, last] of the iBUG layout. "Right"/"left" are the
// subject's: the subject's right eye appears on the image's left.
namespace lm {
inline constexpr int kJawFirst = 0, kJawLast = 16;
inline constexpr int kBrowsFirst = 17, kBrowsLast = 26;
inline constexpr int kNoseTip = 30;
inline constexpr int kRightEyeFirst = 36, kRightEyeLast = 41;
inline constexpr int kLeftEyeFirst = 42, kLeftEyeLast = 47;
inline constexpr int kMouthRight = 48, kMouthLeft = 54;
inline constexpr int kChin = 8;
}  // namespace lm

// Mean of landmarks [first, last].
cv::Point2f mean_point(const Landmarks& l, int first, int last);

// The five points alignment uses, in ArcFace template order: image-left eye
// centre, image-right eye centre, nose tip, image-left and image-right mouth corner.
std::array<cv::Point2f, 5> five_points(const Landmarks& l);

// Axis-aligned bounding box of all 68 points (float precision).
cv::Rect2f landmark_bounds(const Landmarks& l);

}  // namespace cartoonize::faces
