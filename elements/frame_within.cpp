#include "frame_within.h"

#include <algorithm>
#include <cmath>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "face_crops.h"

namespace cartoonize_element {

void fit_within(int width, int height, int64_t max_pixels, int* out_width, int* out_height) {
  *out_width = width;
  *out_height = height;
  if (max_pixels <= 0 || int64_t(width) * height <= max_pixels) return;
  const double scale = std::sqrt(double(max_pixels) / (double(width) * double(height)));
  *out_width = std::max(1, int(std::floor(width * scale)));
  *out_height = std::max(1, int(std::floor(height * scale)));
}

void cartoonize_frame_within(cartoonize::Engine& engine, const cartoonize::ImageView& image, float strength,
                             int64_t max_pixels) {
  int w, h;
  fit_within(image.width, image.height, max_pixels, &w, &h);
  if ((w == image.width && h == image.height) || strength <= 0.f) return engine.cartoonize_frame(image, strength);
  cv::Mat frame = cartoonize::faces::wrap_frame(image);
  cv::Mat small;
  cv::resize(frame, small, cv::Size(w, h), 0, 0, cv::INTER_AREA);
  engine.cartoonize_frame(cartoonize::faces::view_of(small, image.layout), 1.f);
  cv::Mat cartoon;
  cv::resize(small, cartoon, frame.size(), 0, 0, cv::INTER_LINEAR);
  if (frame.channels() == 4) {  // the 4th byte (x or alpha) stays the frame's own
    const int alpha[] = {3, 3};
    cv::mixChannels(&frame, 1, &cartoon, 1, alpha, 1);
  }
  if (strength >= 1.f)
    cartoon.copyTo(frame);
  else
    cv::addWeighted(frame, 1.0 - strength, cartoon, strength, 0.0, frame);
}

}  // namespace cartoonize_element
