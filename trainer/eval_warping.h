// Temporal instability of restyled video, as the warping error of Lai et al.
// (ECCV 2018): each output frame against the previous output frame warped by
// the optical flow of the *input* frames (DIS on grey input), so motion that is
// in the input costs nothing and flicker or jitter added by the restyling
// does. Pixels where forward and backward flow disagree (occlusions) and
// pixels warped from outside the frame are not counted.
#pragma once
#include <cstdint>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/video/tracking.hpp>

namespace cartoonize::train {

class WarpingMeter {
 public:
  // streams: how many outputs of the same input are measured side by side.
  explicit WarpingMeter(int streams);

  // The next frame: the input and each stream's output (8-bit RGB, the
  // input's size). region: CV_8UC1, non-zero where the error counts (empty:
  // the whole frame); the same pixels count for every stream.
  void add(const cv::Mat& input_rgb, const std::vector<cv::Mat>& outputs_rgb, const cv::Mat& region);

  // Mean absolute difference (grey levels 0..255, averaged over channels)
  // over all counted pixels of all frame pairs so far; 0 before two frames.
  double error(int stream) const;
  int64_t pixels() const { return pixels_; }
  int pairs() const { return pairs_; }

 private:
  cv::Ptr<cv::DISOpticalFlow> flow_;
  cv::Mat prev_grey_;
  std::vector<cv::Mat> prev_outputs_;
  std::vector<double> sums_;
  int64_t pixels_ = 0;
  int pairs_ = 0;
};

}  // namespace cartoonize::train
