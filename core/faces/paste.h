// Feathered paste-back of a generated face crop into the frame: a soft mask
// over the face in crop space, and a blend that touches only the face's
// bounding box so its cost follows face size, not frame size.
#pragma once
#include <opencv2/core.hpp>

#include "landmarks.h"

namespace cartoonize::faces {

// Forehead: brows are raised by this fraction of the brow–chin distance.
inline constexpr float kForeheadRaise = 0.25f;

// CV_32FC1 size×size mask in [0,1]: convex hull of jaw and (raised) brows,
// pushed out by grow·face size, then faded to 0 over feather·face size inside
// its edge and the crop's edge (face size = brow–chin distance). Exactly 0
// outside the grown hull and on the crop border, so no box edge can show.
cv::Mat face_mask(const Landmarks& lm_in_crop, int size, float grow, float feather);

// frame = frame·(1−a·m) + crop·a·m, rounded, with crop and mask warped back
// through inverse(M) (M: frame → crop, as from alignment_transform). frame:
// CV_8UC3 or CV_8UC4 (4th channel untouched); crop: CV_8UC3 or CV_8UC4, or
// CV_32FC3 in [0, 255] (a generator's cartoon, rounded only here), in the
// frame's channel order; mask: CV_32FC1, crop-sized. Pixels where the warped
// mask is 0 stay bit-identical; faces partly outside the frame are clipped.
void paste_back(cv::Mat& frame, const cv::Mat& cartoon_crop, const cv::Mat& mask,
                const cv::Matx23f& M, float alpha);

// The frame region paste_back may change: the warped crop's bounding box,
// clipped to frame_size (empty when the crop lands outside the frame).
cv::Rect paste_region(const cv::Matx23f& M, cv::Size crop_size, cv::Size frame_size);

}  // namespace cartoonize::faces
