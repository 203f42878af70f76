// The photo-vs-cartoon classifier behind `eval`'s cartoon_score: logistic
// regression on hand-made features of an aligned face crop (colour count,
// edge density, gradient and saturation histograms, flatness, fine texture).
// Cheap on a CPU, deterministic, and it looks at what makes a cartoon (flat
// colour regions, few colours, crisp outlines) rather than at a data set's
// incidental content.
#pragma once
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "split.h"  // evenly_spaced

namespace cartoonize::train {


// Features of an 8-bit RGB crop (any size; measured at 96x96).
std::vector<float> cartoon_features(const cv::Mat& rgb8);

struct ClassifierReport {
  int train_photos = 0, train_cartoons = 0, test_photos = 0, test_cartoons = 0;
  double heldout_accuracy = 0;  // balanced: mean of the per-class accuracies on the held-out fifth
  bool from_cache = false;
};

class CartoonClassifier {
 public:
  // Trains on the two domains (a fifth of each, chosen by file-name hash, held
  // out for the reported accuracy; at most max_per_class images each, evenly
  // spaced over the sorted listing), or loads cache_file when it was trained on
  // the same listing. After training the cache is written when cache_file is
  // not "" (a failure to write is reported on stderr, not fatal). Throws Error
  // when a domain has fewer than 5 readable images.
  static CartoonClassifier train_or_load(const std::vector<std::string>& photos, const std::vector<std::string>& cartoons,
                                         const std::string& cache_file, int max_per_class);

  // Probability that the crop is a cartoon.
  double cartoon_probability(const cv::Mat& rgb8) const;
  const ClassifierReport& report() const { return report_; }

 private:
  std::vector<double> mean_, scale_, weights_;
  double bias_ = 0;
  ClassifierReport report_;
};

}  // namespace cartoonize::train
