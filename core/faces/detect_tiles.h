// Faces too small for the downscaled HOG pass (detect_width) of a large
// frame, found at full resolution one tile at a time: the frame is split into
// overlapping tiles so that every face the downscaled pass cannot see lies
// wholly inside at least one tile, and FaceTracker runs HOG on one tile per
// tile run, in turn (tracker.h), so no frame pays for a full-resolution scan.
#pragma once
#include <vector>

#include <opencv2/core.hpp>

#include "detector.h"

namespace cartoonize::faces {

// dlib's HOG window: the smallest face box it reports, at the scale it runs.
inline constexpr int kHogWindow = 80;

// The smallest face (box side, frame pixels) the pass at detect_width finds
// reliably: HOG's window scaled back to the frame, with a margin (a face just
// at the window's size is found on some frames only). 0 when that pass runs at
// full resolution (detect_width 0 or >= the frame's width): it sees them all.
int downscaled_reach(int frame_width, int detect_width);

// The full-resolution tiles of a frame, row by row; empty when the downscaled
// pass already runs at full resolution. Tiles are about detect_width square
// and overlap by enough that a face box of up to downscaled_reach, with the
// context HOG needs around it, lies wholly inside one of them.
std::vector<cv::Rect> detection_tiles(cv::Size frame, int detect_width);

// A tile run can see a face in `box` (and so counts a miss when it does not
// find it): the box, with HOG's context around it, lies inside the tile
// (context beyond the frame's border does not count).
bool tile_sees(const cv::Rect& tile, const cv::Rect& box, cv::Size frame);

// HOG at full resolution on one tile of the frame; boxes in frame coordinates,
// only those the tile sees whole (tile_sees).
std::vector<cv::Rect> detect_in_tile(FaceDetector& detector, const cv::Mat& rgb8, const cv::Rect& tile);

// `kept` plus each box of `more` that overlaps none of `kept` with IoU >=
// iou_threshold: one box per face when two passes found it.
std::vector<cv::Rect> merge_boxes(std::vector<cv::Rect> kept, const std::vector<cv::Rect>& more, float iou_threshold);

}  // namespace cartoonize::faces
