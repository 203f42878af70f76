#include "eval_classifier.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unordered_set>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "atomic_file.h"
#include "error.h"

namespace cartoonize::train {
namespace fs = std::filesystem;
namespace {

constexpr int kSide = 96;
constexpr const char* kCacheMagic = "cartoonize-eval-classifier 2";

// Fractions of values falling into [edges[i], edges[i+1]) (last bin open).
void histogram(const cv::Mat& values, const std::vector<float>& edges, std::vector<float>& out) {
  std::vector<float> bins(edges.size(), 0.f);
  for (auto it = values.begin<float>(); it != values.end<float>(); ++it) {
    size_t b = 0;
    while (b + 1 < edges.size() && *it >= edges[b + 1]) ++b;
    bins[b] += 1.f;
  }
  for (float& b : bins) out.push_back(b / float(values.total()));
}

// Gaussian blur, sensor-like noise and a JPEG round trip.
cv::Mat degraded(const cv::Mat& rgb, uint64_t seed) {
  cv::Mat blurred, noise(rgb.size(), CV_16SC3), noisy;
  cv::GaussianBlur(rgb, blurred, cv::Size(0, 0), 0.8);
  cv::RNG rng(seed);
  rng.fill(noise, cv::RNG::NORMAL, 0, 4);
  blurred.convertTo(noisy, CV_16SC3);
  noisy += noise;
  noisy.convertTo(noisy, CV_8UC3);
  std::vector<uchar> jpeg;
  cv::imencode(".jpg", noisy, jpeg, {cv::IMWRITE_JPEG_QUALITY, 75});
  return cv::imdecode(jpeg, cv::IMREAD_COLOR);  // channel order is kept: no colour conversion either way
}

bool held_out(const std::string& file) { return fnv1a(fs::path(file).filename().string()) % 5 == 0; }

std::string cache_key(const std::vector<std::string>& photos, const std::vector<std::string>& cartoons) {
  return file_list_key(kCacheMagic, {&photos, &cartoons});
}

}  // namespace

std::vector<float> cartoon_features(const cv::Mat& rgb8) {
  if (rgb8.empty() || rgb8.type() != CV_8UC3) throw Error("cartoon_features wants an 8-bit RGB image");
  cv::Mat img;
  cv::resize(rgb8, img, cv::Size(kSide, kSide), 0, 0, rgb8.cols > kSide ? cv::INTER_AREA : cv::INTER_LINEAR);
  std::vector<float> f;
  const float n = float(kSide * kSide);

  std::unordered_set<int> colours;
  for (int y = 0; y < img.rows; ++y)
    for (int x = 0; x < img.cols; ++x) {
      const cv::Vec3b p = img.at<cv::Vec3b>(y, x);
      colours.insert((p[0] >> 3) << 10 | (p[1] >> 3) << 5 | (p[2] >> 3));
    }
  f.push_back(float(std::log(double(colours.size())) / std::log(double(n))));

  cv::Mat grey, edges;
  cv::cvtColor(img, grey, cv::COLOR_RGB2GRAY);
  cv::Canny(grey, edges, 60, 150);
  f.push_back(float(cv::countNonZero(edges)) / n);

  cv::Mat gx, gy, mag;
  cv::Sobel(grey, gx, CV_32F, 1, 0);
  cv::Sobel(grey, gy, CV_32F, 0, 1);
  cv::magnitude(gx, gy, mag);
  mag /= 4.f;  // Sobel's gain: steps in grey levels
  histogram(mag, {0, 1, 3, 6, 12, 25, 50}, f);

  cv::Mat hsv, channels[3];
  cv::cvtColor(img, hsv, cv::COLOR_RGB2HSV);
  cv::split(hsv, channels);
  cv::Mat sat;
  channels[1].convertTo(sat, CV_32F, 1.0 / 255);
  histogram(sat, {0, 1 / 6.f, 2 / 6.f, 3 / 6.f, 4 / 6.f, 5 / 6.f}, f);
  cv::Scalar sat_mean, sat_std;
  cv::meanStdDev(sat, sat_mean, sat_std);
  f.push_back(float(sat_mean[0]));
  f.push_back(float(sat_std[0]));
  f.push_back(float(cv::countNonZero(channels[2] < 40)) / n);  // dark outline pixels

  cv::Mat lap;
  cv::Laplacian(grey, lap, CV_32F);
  f.push_back(float(cv::countNonZero(cv::abs(lap) < 2.f)) / n);  // flat pixels

  cv::Mat median, residual;
  cv::medianBlur(grey, median, 3);
  cv::absdiff(grey, median, residual);
  f.push_back(float(cv::mean(residual)[0]) / 10.f);  // fine texture and noise

  cv::Mat gf, mu, mu2;
  grey.convertTo(gf, CV_32F);
  cv::blur(gf, mu, cv::Size(3, 3));
  cv::blur(gf.mul(gf), mu2, cv::Size(3, 3));
  cv::Mat var = cv::max(mu2 - mu.mul(mu), 0.f), sd;
  cv::sqrt(var, sd);
  f.push_back(float(cv::mean(sd)[0]) / 20.f);  // local contrast
  return f;
}

CartoonClassifier CartoonClassifier::train_or_load(const std::vector<std::string>& photo_files,
                                                   const std::vector<std::string>& cartoon_files,
                                                   const std::string& cache_file, int max_per_class) {
  const auto photos = evenly_spaced(photo_files, max_per_class), cartoons = evenly_spaced(cartoon_files, max_per_class);
  const std::string key = cache_key(photos, cartoons);
  CartoonClassifier c;
  if (!cache_file.empty()) {
    std::ifstream in(cache_file);
    std::string magic, line, k;
    if (std::getline(in, magic) && magic == kCacheMagic && std::getline(in, line) && line == "key " + key) {
      size_t n = 0;
      ClassifierReport& r = c.report_;
      in >> n >> c.bias_ >> r.train_photos >> r.train_cartoons >> r.test_photos >> r.test_cartoons >> r.heldout_accuracy;
      c.mean_.resize(n);
      c.scale_.resize(n);
      c.weights_.resize(n);
      for (auto* v : {&c.mean_, &c.scale_, &c.weights_})
        for (double& x : *v) in >> x;
      if (in && n == cartoon_features(cv::Mat(8, 8, CV_8UC3, cv::Scalar::all(0))).size()) {
        r.from_cache = true;
        return c;
      }
      c = CartoonClassifier{};  // stale or damaged: train again
    }
  }

  // Features of every readable image; label 1 = cartoon.
  std::vector<std::vector<float>> x;
  std::vector<int> label;
  std::vector<bool> test;
  ClassifierReport& r = c.report_;
  for (int cls = 0; cls < 2; ++cls)
    for (const auto& file : cls ? cartoons : photos) {
      cv::Mat bgr = cv::imread(file, cv::IMREAD_COLOR), rgb;
      if (bgr.empty()) continue;
      cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
      const bool t = held_out(file);
      (t ? (cls ? r.test_cartoons : r.test_photos) : (cls ? r.train_cartoons : r.train_photos))++;
      x.push_back(cartoon_features(rgb));
      label.push_back(cls);
      test.push_back(t);
      if (cls) {
        // The synthetic cartoons are flawless renders; restyled photos keep
        // some blur and noise. A camera-degraded copy of each cartoon keeps
        // the classifier from calling anything with noise a photo.
        x.push_back(cartoon_features(degraded(rgb, uint64_t(x.size()))));
        label.push_back(cls);
        test.push_back(t);
      }
    }
  if (r.train_photos < 5 || r.train_cartoons < 5 || r.test_photos < 1 || r.test_cartoons < 1)
    throw Error("photo-vs-cartoon classifier: too few readable images (" + std::to_string(r.train_photos + r.test_photos) +
                " photos, " + std::to_string(r.train_cartoons + r.test_cartoons) + " cartoons; want 10 of each)");

  // Standardise on the training part, then gradient descent on the
  // class-balanced logistic loss with a little L2 (features are few and
  // correlated; the penalty keeps weights tame).
  const size_t d = x[0].size();
  c.mean_.assign(d, 0);
  c.scale_.assign(d, 0);
  double n_train = 0;
  for (size_t i = 0; i < x.size(); ++i)
    if (!test[i]) {
      n_train += 1;
      for (size_t j = 0; j < d; ++j) c.mean_[j] += x[i][j];
    }
  for (double& m : c.mean_) m /= n_train;
  for (size_t i = 0; i < x.size(); ++i)
    if (!test[i])
      for (size_t j = 0; j < d; ++j) c.scale_[j] += (x[i][j] - c.mean_[j]) * (x[i][j] - c.mean_[j]);
  for (double& s : c.scale_) s = 1.0 / std::max(1e-6, std::sqrt(s / n_train));
  const double class_weight[2] = {0.5 / r.train_photos, 0.25 / r.train_cartoons};  // two samples per cartoon
  c.weights_.assign(d, 0);
  std::vector<double> z(d), grad(d);
  for (int step = 0; step < 1500; ++step) {
    std::fill(grad.begin(), grad.end(), 0.0);
    double grad_b = 0;
    for (size_t i = 0; i < x.size(); ++i) {
      if (test[i]) continue;
      double logit = c.bias_;
      for (size_t j = 0; j < d; ++j) logit += c.weights_[j] * (z[j] = (x[i][j] - c.mean_[j]) * c.scale_[j]);
      const double err = (1.0 / (1.0 + std::exp(-logit)) - label[i]) * class_weight[label[i]];
      for (size_t j = 0; j < d; ++j) grad[j] += err * z[j];
      grad_b += err;
    }
    for (size_t j = 0; j < d; ++j) c.weights_[j] -= 0.5 * (grad[j] + 1e-3 * c.weights_[j]);
    c.bias_ -= 0.5 * grad_b;
  }

  int right[2] = {0, 0}, seen[2] = {0, 0};
  for (size_t i = 0; i < x.size(); ++i) {
    if (!test[i]) continue;
    double logit = c.bias_;
    for (size_t j = 0; j < d; ++j) logit += c.weights_[j] * (x[i][j] - c.mean_[j]) * c.scale_[j];
    right[label[i]] += (logit > 0) == (label[i] == 1);
    ++seen[label[i]];
  }
  r.heldout_accuracy = 0.5 * (double(right[0]) / seen[0] + double(right[1]) / seen[1]);

  if (!cache_file.empty()) {
    std::ostringstream out;
    out.precision(17);
    out << kCacheMagic << "\nkey " << key << "\n" << d << ' ' << c.bias_ << ' ' << r.train_photos << ' '
        << r.train_cartoons << ' ' << r.test_photos << ' ' << r.test_cartoons << ' ' << r.heldout_accuracy << '\n';
    for (const auto* v : {&c.mean_, &c.scale_, &c.weights_}) {
      for (double x : *v) out << x << ' ';
      out << '\n';
    }
    try {
      const std::string text = out.str();
      write_file_atomically(cache_file, [&](std::ostream& o) { o << text; });
    } catch (const std::exception& e) {
      std::fprintf(stderr, "eval: classifier not cached: %s\n", e.what());
    }
  }
  return c;
}

double CartoonClassifier::cartoon_probability(const cv::Mat& rgb8) const {
  const auto f = cartoon_features(rgb8);
  double logit = bias_;
  for (size_t j = 0; j < f.size() && j < weights_.size(); ++j) logit += weights_[j] * (f[j] - mean_[j]) * scale_[j];
  return 1.0 / (1.0 + std::exp(-logit));
}

}  // namespace cartoonize::train
