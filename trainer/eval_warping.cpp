#include "eval_warping.h"

#include <opencv2/imgproc.hpp>

#include "error.h"

namespace cartoonize::train {

WarpingMeter::WarpingMeter(int streams)
    : flow_(cv::DISOpticalFlow::create(cv::DISOpticalFlow::PRESET_MEDIUM)), sums_(size_t(streams), 0.0) {}

void WarpingMeter::add(const cv::Mat& input, const std::vector<cv::Mat>& outputs, const cv::Mat& region) {
  if (outputs.size() != sums_.size()) throw Error("WarpingMeter::add: wrong number of outputs");
  for (const auto& o : outputs)
    if (o.size() != input.size() || o.type() != CV_8UC3) throw Error("WarpingMeter::add: outputs must be RGB, input-sized");
  cv::Mat grey;
  cv::cvtColor(input, grey, cv::COLOR_RGB2GRAY);
  if (!prev_grey_.empty() && prev_grey_.size() == grey.size()) {
    // fwd: current -> previous (I_t(x) ~ I_{t-1}(x + fwd(x))); bwd checks it.
    cv::Mat fwd, bwd;
    flow_->calc(grey, prev_grey_, fwd);
    flow_->calc(prev_grey_, grey, bwd);
    cv::Mat map(grey.size(), CV_32FC2);
    for (int y = 0; y < grey.rows; ++y)
      for (int x = 0; x < grey.cols; ++x) map.at<cv::Vec2f>(y, x) = fwd.at<cv::Vec2f>(y, x) + cv::Vec2f(float(x), float(y));
    cv::Mat bwd_at;  // bwd sampled where each pixel came from
    cv::remap(bwd, bwd_at, map, cv::noArray(), cv::INTER_LINEAR, cv::BORDER_CONSTANT, cv::Scalar::all(1e6));
    cv::Mat valid(grey.size(), CV_8UC1, cv::Scalar(0));
    for (int y = 0; y < grey.rows; ++y)
      for (int x = 0; x < grey.cols; ++x) {
        const cv::Vec2f f = fwd.at<cv::Vec2f>(y, x), b = bwd_at.at<cv::Vec2f>(y, x), m = map.at<cv::Vec2f>(y, x);
        const bool inside = m[0] >= 0 && m[1] >= 0 && m[0] <= grey.cols - 1 && m[1] <= grey.rows - 1;
        const cv::Vec2f s = f + b;
        const bool consistent = s.dot(s) < 0.01f * (f.dot(f) + b.dot(b)) + 0.5f;
        valid.at<uint8_t>(y, x) = inside && consistent && (region.empty() || region.at<uint8_t>(y, x)) ? 255 : 0;
      }
    const int64_t counted = cv::countNonZero(valid);
    if (counted > 0) {
      for (size_t k = 0; k < outputs.size(); ++k) {
        cv::Mat warped, diff;
        cv::remap(prev_outputs_[k], warped, map, cv::noArray(), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
        cv::absdiff(outputs[k], warped, diff);
        sums_[k] += cv::sum(cv::mean(diff, valid))[0] / 3.0 * double(counted);
      }
      pixels_ += counted;
      ++pairs_;
    }
  }
  prev_grey_ = grey;
  prev_outputs_.clear();
  for (const auto& o : outputs) prev_outputs_.push_back(o.clone());
}

double WarpingMeter::error(int stream) const {
  return pixels_ ? sums_.at(size_t(stream)) / double(pixels_) : 0.0;
}

}  // namespace cartoonize::train
