// 2x3 affine transforms as plain arrays, shared by the OpenCV face path
// (core/faces) and the tensor one (face_warp.h), so both invert a matrix and
// bound a pasted face the same way. No OpenCV, no LibTorch: the element and
// engine.h include it.
#pragma once
#include <algorithm>
#include <array>
#include <cmath>

namespace cartoonize {

// Row-major [a b c; d e f]: (x, y) -> (a x + b y + c, d x + e y + f), pixel
// centres at integer coordinates (OpenCV's convention).
using Affine = std::array<float, 6>;

// The inverse, computed in double like cv::invertAffineTransform; all zeros
// for a singular matrix (as OpenCV gives).
inline Affine invert_affine(const Affine& m) {
  double d = double(m[0]) * m[4] - double(m[1]) * m[3];
  d = d != 0 ? 1.0 / d : 0.0;
  const double a11 = m[4] * d, a22 = m[0] * d, a12 = -m[1] * d, a21 = -m[3] * d;
  const double b1 = -a11 * m[2] - a12 * m[5], b2 = -a21 * m[2] - a22 * m[5];
  return {float(a11), float(a12), float(b1), float(a21), float(a22), float(b2)};
}

struct PixelBox {
  int x = 0, y = 0, width = 0, height = 0;
  bool empty() const { return width <= 0 || height <= 0; }
};

// The frame pixels a size_w x size_h crop, placed through frame_to_crop,
// covers: the bounding box of its corners mapped back, widened to whole
// pixels plus one, clipped to the frame (empty when it lands outside).
inline PixelBox paste_box(const Affine& frame_to_crop, int crop_w, int crop_h, int frame_w, int frame_h) {
  const Affine inv = invert_affine(frame_to_crop);
  const float cx[4] = {0.f, float(crop_w), 0.f, float(crop_w)};
  const float cy[4] = {0.f, 0.f, float(crop_h), float(crop_h)};
  float x0 = 1e30f, y0 = 1e30f, x1 = -1e30f, y1 = -1e30f;
  for (int i = 0; i < 4; ++i) {
    const float px = inv[0] * cx[i] + inv[1] * cy[i] + inv[2], py = inv[3] * cx[i] + inv[4] * cy[i] + inv[5];
    x0 = std::min(x0, px);
    y0 = std::min(y0, py);
    x1 = std::max(x1, px);
    y1 = std::max(y1, py);
  }
  // Huge or non-finite boxes (degenerate matrices) are clipped away by the frame.
  const auto clampi = [](float v) { return std::isnan(v) ? 0 : int(std::clamp(v, -1e8f, 1e8f)); };
  const int bx0 = std::max(0, clampi(std::floor(x0))), by0 = std::max(0, clampi(std::floor(y0)));
  const int bx1 = std::min(frame_w, clampi(std::ceil(x1)) + 1), by1 = std::min(frame_h, clampi(std::ceil(y1)) + 1);
  if (bx1 <= bx0 || by1 <= by0) return {};
  return {bx0, by0, bx1 - bx0, by1 - by0};
}

}  // namespace cartoonize
