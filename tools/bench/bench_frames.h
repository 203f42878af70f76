// The frames cartoonize-bench measures on, built from real photos (RGB), so
// that the face tests (tests/faces) check exactly those frames: a photo cut
// to the aspect of w x h about its centre and scaled (area filter); four
// photos in a 2x2 grid; a face-free frame of the photos' bottom parts (legs,
// hands, clothes, furniture) stacked. OpenCV only.
#pragma once
#include <vector>

#include <opencv2/core.hpp>

namespace cartoonize::bench {

cv::Mat fitted_frame(const cv::Mat& rgb, int w, int h);
cv::Mat mosaic_frame(const std::vector<cv::Mat>& rgb, int w, int h);
cv::Mat photo_bottoms(const std::vector<cv::Mat>& rgb, int w, int h);

}  // namespace cartoonize::bench
