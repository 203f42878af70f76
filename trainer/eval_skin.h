// `eval`'s skin measures (issue 24): does the restyling draw lines on skin
// that the photo does not have, and does it shift the skin's colour? Both
// are read on the cheeks and forehead, located by the input's 68 landmarks,
// in one fixed geometry (a 128-px aligned crop at margin 0.1) so that models
// with any crop framing are compared on the same pixels.
#pragma once
#include <opencv2/core.hpp>

#include "landmarks.h"

namespace cartoonize::train {

// The geometry the skin is read in, whatever the model's own framing.
inline constexpr int kSkinCropSize = 128;
inline constexpr float kSkinCropMargin = 0.1f;
// A pixel lies on a thin dark line when the black-hat (closing minus image)
// of the grey crop with a 5x5 ellipse exceeds this many grey levels: dark
// strokes up to ~4 px wide on a 128-px crop (about 4 % of the face).
inline constexpr double kSkinLineContrast = 20.0;

// CV_8UC1 mask (255 inside) of both cheeks and the forehead of a face whose
// landmarks are given in the crop's pixels; size: the crop's side. Each
// region is shrunk towards its centre so the jaw, nose, eyes and brows with
// their own edges stay out of it.
cv::Mat skin_region(const faces::Landmarks& lm_in_crop, int size);

// Share of the skin pixels on thin dark lines (see kSkinLineContrast).
double skin_line_share(const cv::Mat& rgb_crop, const cv::Mat& skin);

// Mean CIE L*a*b* of the skin pixels (L in 0..100, a and b about -128..127).
cv::Vec3d skin_lab_mean(const cv::Mat& rgb_crop, const cv::Mat& skin);

}  // namespace cartoonize::train
