// `eval`'s style score: a small CNN trained by `eval` itself on patches of a
// style's held-out images against patches of held-out photos. Patches of
// ~40 px (a face crop is 128 px), flipped, rescaled, blurred and colour-jittered,
// never a whole face: it judges texture, colour and line the way the
// generator's discriminators do, not anime geometry such as big eyes, which a
// landmark-keeping model must not copy. An image is called the style when the
// mean patch probability over a grid of patches is above 0.5.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

namespace cartoonize::train {

// ../shared/data/selfies (CARTOONIZE_SHARED_DATA overrides ../shared/data).
std::string default_style_photos_dir();

// The files of a listing that training leaves out (split.h's held_out at
// kStyleHeldOutPercent): the only ones the style classifier may use.
std::vector<std::string> style_held_out(const std::vector<std::string>& files);

// An image as the classifier sees it: RGB 8-bit, the centre square of
// `fraction` of the short side (a portrait's face) resized to `side`, so a face
// is about the size it has in the element's aligned crop.
cv::Mat style_view(const cv::Mat& rgb8, int side = 128, double fraction = 0.8);

struct StyleClassifierConfig {
  int steps = 600;     // Adam steps; the default trains in about 20 s on one busy CPU core
  int batch = 48;      // patches per step, half photo, half style
  int patch = 40;      // patch side in px
  int side = 128;      // style_view's side
  uint64_t seed = 1;
  int test_percent = 30;  // of the held-out images, by a salted name hash: classifier-test
};

struct StyleClassifierReport {
  int train_photos = 0, train_style = 0, test_photos = 0, test_style = 0;
  double heldout_accuracy = 0;  // balanced: mean of the per-class image accuracies on classifier-test
  bool from_cache = false;
};

class StyleClassifier {
 public:
  // Trains on the held-out part (style_held_out) of both listings, with
  // test_percent of it kept for the reported accuracy, or loads the cache
  // cache_dir/eval-style-KEY.pt written for the same files and config (no cache
  // when cache_dir is ""; a failure to write is reported on stderr, not
  // fatal). Deterministic for a seed (one intra-op thread). Throws Error when a
  // side has fewer than 5 readable training or 1 test image.
  static StyleClassifier train_or_load(const std::vector<std::string>& photos, const std::vector<std::string>& style_images,
                                       const std::string& cache_dir, const StyleClassifierConfig& config = {});
  ~StyleClassifier();
  StyleClassifier(StyleClassifier&&) noexcept;
  StyleClassifier& operator=(StyleClassifier&&) noexcept;

  // Mean patch probability of "style" over a grid of patches of an RGB 8-bit
  // image already at face scale (an aligned face crop; resized to `side`).
  double style_probability(const cv::Mat& rgb8) const;
  bool is_style(const cv::Mat& rgb8) const { return style_probability(rgb8) > 0.5; }
  const StyleClassifierReport& report() const { return report_; }

 private:
  StyleClassifier();
  struct Net;
  std::unique_ptr<Net> net_;
  StyleClassifierConfig config_;
  StyleClassifierReport report_;
};

}  // namespace cartoonize::train
