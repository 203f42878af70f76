// Tile layout and tile detection (see detect_tiles.h).
#include "detect_tiles.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "tracker.h"

namespace cartoonize::faces {

namespace {

// Faces up to this much above HOG's window (scaled to the frame) count as out
// of the downscaled pass's reach: near the window's size it finds them on
// some frames and not on others (measured: docs/performance.md, "Tiles").
constexpr double kReachMargin = 1.1;
// Context HOG needs around a face box to score it (its window's padding
// cell and the scale steps of its pyramid), per side, in units of the box side.
constexpr double kContext = 0.1;

// Count and length of the tiles along one axis: about `side` long, spaced
// evenly, neighbours overlapping by at least `overlap`.
std::pair<int, int> split(int length, int side, int overlap) {
  if (length <= side) return {1, length};
  const int n = std::max(1, int(std::lround(double(length - overlap) / double(side - overlap))));
  return {n, std::min(length, (length + (n - 1) * overlap + n - 1) / n)};
}

}  // namespace

int downscaled_reach(int frame_width, int detect_width) {
  if (detect_width <= 0 || frame_width <= detect_width) return 0;
  return int(std::ceil(kHogWindow * kReachMargin * frame_width / detect_width));
}

std::vector<cv::Rect> detection_tiles(cv::Size frame, int detect_width) {
  const int reach = downscaled_reach(frame.width, detect_width);
  if (reach == 0) return {};
  const int overlap = int(std::ceil(reach * (1 + 2 * kContext)));
  const int side = std::max(detect_width, 2 * overlap);
  const auto [nx, w] = split(frame.width, side, overlap);
  const auto [ny, h] = split(frame.height, side, overlap);
  std::vector<cv::Rect> tiles;
  for (int r = 0; r < ny; ++r)
    for (int c = 0; c < nx; ++c) {
      const int x = nx > 1 ? int(int64_t(c) * (frame.width - w) / (nx - 1)) : 0;
      const int y = ny > 1 ? int(int64_t(r) * (frame.height - h) / (ny - 1)) : 0;
      tiles.emplace_back(x, y, w, h);
    }
  return tiles;
}

bool tile_sees(const cv::Rect& tile, const cv::Rect& box, cv::Size frame) {
  const int pad = int(std::ceil(kContext * std::max(box.width, box.height)));
  const cv::Rect needed =
      cv::Rect(box.x - pad, box.y - pad, box.width + 2 * pad, box.height + 2 * pad) & cv::Rect({0, 0}, frame);
  return !needed.empty() && (needed & tile) == needed;
}

std::vector<cv::Rect> detect_in_tile(FaceDetector& detector, const cv::Mat& rgb8, const cv::Rect& tile) {
  const cv::Rect t = tile & cv::Rect({0, 0}, rgb8.size());
  std::vector<cv::Rect> boxes;
  // A face cut by the tile's edge gets a wrong (smaller, shifted) box or none;
  // such boxes are dropped: the face lies whole in a neighbour tile (the
  // overlap) or is large enough for the downscaled pass.
  for (cv::Rect b : detector.detect(rgb8(t), 0))
    if (b += t.tl(); tile_sees(t, b, rgb8.size())) boxes.push_back(b);
  return boxes;
}

std::vector<cv::Rect> merge_boxes(std::vector<cv::Rect> kept, const std::vector<cv::Rect>& more,
                                  float iou_threshold) {
  const size_t first = kept.size();
  for (const cv::Rect& b : more)
    if (std::none_of(kept.begin(), kept.begin() + long(first),
                     [&](const cv::Rect& k) { return iou(k, b) >= iou_threshold; }))
      kept.push_back(b);
  return kept;
}

}  // namespace cartoonize::faces
