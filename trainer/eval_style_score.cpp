#include "eval_style_score.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>

#include <ATen/CPUGeneratorImpl.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <torch/torch.h>

#include "atomic_file.h"
#include "error.h"
#include "split.h"

namespace cartoonize::train {
namespace fs = std::filesystem;
namespace {

constexpr const char* kCacheMagic = "cartoonize-eval-style 1";
// Salt of the second split (classifier-train / classifier-test) inside the
// held-out images: independent of the held-out hash itself.
constexpr const char* kTestSalt = "style-classifier-test";

// Four narrow convolutions, three of them strided (40 px -> 5 px), then the
// mean over positions: each output sees about 30 px of the patch, enough for a
// line and its shading, too little for a face's layout. The first one works at
// full resolution (grain and noise are photo cues); about 3.5 MFLOP a patch,
// so training stays within seconds on 2 CPU threads.
struct PatchNetImpl : torch::nn::Module {
  torch::nn::Sequential body;
  torch::nn::Linear head{nullptr};
  PatchNetImpl() {
    namespace nn = torch::nn;
    auto conv = [](int in, int out, int stride) {
      return nn::Conv2d(nn::Conv2dOptions(in, out, 3).stride(stride).padding(1));
    };
    auto act = [] { return nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(0.2)); };
    body = register_module("body", nn::Sequential(conv(3, 8, 1), act(), conv(8, 16, 2), act(), conv(16, 32, 2), act(),
                                                  conv(32, 64, 2), act()));
    head = register_module("head", nn::Linear(64, 1));
  }
  torch::Tensor forward(const torch::Tensor& x) { return head(body->forward(x).mean({2, 3})).squeeze(1); }
};
TORCH_MODULE(PatchNet);

// He-normal weights from a generator of our own, so the classifier depends on
// the seed only and leaves torch's global RNG alone.
void init_weights(PatchNet& net, uint64_t seed) {
  torch::NoGradGuard no_grad;
  auto gen = at::detail::createCPUGenerator(seed);
  for (auto& p : net->named_parameters()) {
    torch::Tensor& t = p.value();
    if (p.key().find("bias") != std::string::npos) {
      t.zero_();
    } else {
      const double fan_in = double(t.numel() / t.size(0));
      t.copy_(torch::randn(t.sizes(), gen, torch::kFloat32) * std::sqrt(2.0 / (1.04 * fan_in)));
    }
  }
}

// The classifier runs on one intra-op thread, whatever eval's --threads: its
// convolutions are too small to split, and on a busy 2-core machine two
// OpenMP threads spent 26 s where one took 1.2 s for the same work (loading
// and testing; 60 training steps: 9 s vs 1.3 s).
class OneThread {
 public:
  OneThread() : previous_(torch::get_num_threads()) {
    if (previous_ != 1) torch::set_num_threads(1);
  }
  ~OneThread() {
    if (previous_ != 1) torch::set_num_threads(previous_);
  }
  OneThread(const OneThread&) = delete;
  OneThread& operator=(const OneThread&) = delete;

 private:
  int previous_;
};

bool classifier_test(const std::string& file, int percent) {
  return int(fnv1a(fs::path(file).filename().string(), fnv1a(kTestSalt)) % 100) < percent;
}

std::string cache_key(const std::vector<std::string>& photos, const std::vector<std::string>& style,
                      const StyleClassifierConfig& c) {
  char cfg[160];
  std::snprintf(cfg, sizeof cfg, "%s|%d %d %d %d %llu %d", kCacheMagic, c.steps, c.batch, c.patch, c.side,
                (unsigned long long)c.seed, c.test_percent);
  return file_list_key(cfg, {&photos, &style});
}

// Patches (8-bit RGB, patch x patch) as a float batch in [-1, 1], N x 3 x P x P.
torch::Tensor to_batch(const std::vector<cv::Mat>& patches, int patch) {
  auto out = torch::empty({int64_t(patches.size()), patch, patch, 3}, torch::kUInt8);
  for (size_t i = 0; i < patches.size(); ++i) {
    const cv::Mat p = patches[i].isContinuous() ? patches[i] : patches[i].clone();
    std::memcpy(out[int64_t(i)].data_ptr(), p.data, size_t(patch) * patch * 3);
  }
  return out.permute({0, 3, 1, 2}).to(torch::kFloat32).div(127.5).sub(1.0).contiguous();
}

// A training patch: random place and scale (0.8-1.25, a face a little larger
// or smaller), mirrored half the time, sometimes blurred (on both sides, so
// sharpness alone does not decide: eval's photo crops are resampled).
cv::Mat random_patch(const cv::Mat& view, int patch, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> u(0.0, 1.0);
  const double scale = std::exp(std::log(0.8) + u(rng) * std::log(1.25 / 0.8));
  const int side = std::clamp(int(std::lround(patch * scale)), 8, std::min(view.cols, view.rows));
  const int x = int(rng() % uint64_t(view.cols - side + 1)), y = int(rng() % uint64_t(view.rows - side + 1));
  cv::Mat p;
  cv::resize(view(cv::Rect(x, y, side, side)), p, cv::Size(patch, patch), 0, 0,
             side > patch ? cv::INTER_AREA : cv::INTER_LINEAR);
  if (u(rng) < 0.5) cv::flip(p, p, 1);
  if (u(rng) < 0.3) cv::GaussianBlur(p, p, cv::Size(0, 0), 0.3 + 0.7 * u(rng));
  return p;
}

// Brightness, contrast and saturation jitter per patch: mild, so that a
// cartoon's palette still counts but one colour cast does not.
torch::Tensor colour_jitter(const torch::Tensor& x, std::mt19937_64& rng) {
  const int64_t n = x.size(0);
  std::uniform_real_distribution<float> u(0.f, 1.f);
  std::vector<float> bright(n), contrast(n), sat(n);
  for (int64_t i = 0; i < n; ++i) {
    bright[i] = (u(rng) - 0.5f) * 0.2f;
    contrast[i] = 0.85f + 0.3f * u(rng);
    sat[i] = 0.75f + 0.5f * u(rng);
  }
  auto col = [n](const std::vector<float>& v) { return torch::tensor(v).view({n, 1, 1, 1}); };
  const torch::Tensor mean = x.mean({1, 2, 3}, true);
  torch::Tensor y = (x - mean) * col(contrast) + mean + col(bright);
  const torch::Tensor grey = y.mean(1, true);
  return (grey + (y - grey) * col(sat)).clamp(-1.0, 1.0);
}

// The grid the score averages over: positions from edge to edge, about half a
// patch apart.
std::vector<cv::Mat> grid_patches(const cv::Mat& view, int patch) {
  const int n = std::max(1, int(std::ceil(double(view.cols - patch) / (patch * 0.55))) + 1);
  std::vector<cv::Mat> out;
  for (int j = 0; j < n; ++j)
    for (int i = 0; i < n; ++i) {
      const int x = n > 1 ? i * (view.cols - patch) / (n - 1) : 0, y = n > 1 ? j * (view.rows - patch) / (n - 1) : 0;
      out.push_back(view(cv::Rect(x, y, patch, patch)).clone());
    }
  return out;
}

}  // namespace

struct StyleClassifier::Net {
  PatchNet net;
};

std::string default_style_photos_dir() {
  const char* data = std::getenv("CARTOONIZE_SHARED_DATA");
  return std::string(data && *data ? data : "../shared/data") + "/selfies";
}

std::vector<std::string> style_held_out(const std::vector<std::string>& files) {
  std::vector<std::string> out;
  for (const auto& f : files)
    if (held_out(f, kStyleHeldOutPercent)) out.push_back(f);
  return out;
}

cv::Mat style_view(const cv::Mat& rgb8, int side, double fraction) {
  if (rgb8.empty() || rgb8.type() != CV_8UC3) throw Error("style_view wants an 8-bit RGB image");
  const int s = std::max(1, int(std::lround(std::min(rgb8.cols, rgb8.rows) * fraction)));
  const cv::Mat square = rgb8(cv::Rect((rgb8.cols - s) / 2, (rgb8.rows - s) / 2, s, s));
  cv::Mat out;
  cv::resize(square, out, cv::Size(side, side), 0, 0, s > side ? cv::INTER_AREA : cv::INTER_LINEAR);
  return out;
}

StyleClassifier::StyleClassifier() : net_(std::make_unique<Net>()) {}
StyleClassifier::~StyleClassifier() = default;
StyleClassifier::StyleClassifier(StyleClassifier&&) noexcept = default;
StyleClassifier& StyleClassifier::operator=(StyleClassifier&&) noexcept = default;

StyleClassifier StyleClassifier::train_or_load(const std::vector<std::string>& photo_files,
                                               const std::vector<std::string>& style_files,
                                               const std::string& cache_dir, const StyleClassifierConfig& config) {
  if (config.patch < 8 || config.patch > config.side || config.steps < 0 || config.batch < 2)
    throw Error("style classifier: patch must be 8..side, steps >= 0, batch >= 2");
  const auto photos = style_held_out(photo_files), style = style_held_out(style_files);
  StyleClassifier c;
  c.config_ = config;
  c.net_->net = PatchNet();
  StyleClassifierReport& r = c.report_;
  const std::string cache_file =
      cache_dir.empty() ? "" : (fs::path(cache_dir) / ("eval-style-" + cache_key(photos, style, config) + ".pt")).string();
  if (!cache_file.empty() && fs::exists(cache_file)) {
    try {
      torch::serialize::InputArchive archive;
      archive.load_from(cache_file);
      c.net_->net->load(archive);
      torch::Tensor counts, accuracy;
      archive.read("counts", counts);
      archive.read("accuracy", accuracy);
      r.train_photos = int(counts[0].item<int64_t>());
      r.train_style = int(counts[1].item<int64_t>());
      r.test_photos = int(counts[2].item<int64_t>());
      r.test_style = int(counts[3].item<int64_t>());
      r.heldout_accuracy = accuracy.item<double>();
      r.from_cache = true;
      return c;
    } catch (const c10::Error&) {
      c.net_->net = PatchNet();  // damaged: train again
      r = StyleClassifierReport{};
    }
  }

  // Views of every readable held-out image, class 0 = photo, 1 = style.
  std::vector<cv::Mat> train[2], test[2];
  for (int cls = 0; cls < 2; ++cls)
    for (const auto& file : cls ? style : photos) {
      cv::Mat bgr = cv::imread(file, cv::IMREAD_COLOR), rgb;
      if (bgr.empty()) continue;
      cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
      (classifier_test(file, config.test_percent) ? test : train)[cls].push_back(style_view(rgb, config.side));
    }
  r.train_photos = int(train[0].size());
  r.train_style = int(train[1].size());
  r.test_photos = int(test[0].size());
  r.test_style = int(test[1].size());
  if (r.train_photos < 5 || r.train_style < 5 || r.test_photos < 1 || r.test_style < 1)
    throw Error("style classifier: too few readable held-out images (" + std::to_string(r.train_photos) + "+" +
                std::to_string(r.test_photos) + " photos, " + std::to_string(r.train_style) + "+" +
                std::to_string(r.test_style) + " style images for classifier-train+test; want 5+1 of each)");

  OneThread one_thread;
  PatchNet& net = c.net_->net;
  init_weights(net, config.seed);
  torch::optim::Adam opt(net->parameters(), torch::optim::AdamOptions(2e-3));
  std::mt19937_64 rng(config.seed);
  const int half = config.batch / 2;
  const torch::Tensor labels = torch::cat({torch::zeros({half}), torch::ones({config.batch - half})});
  for (int step = 0; step < config.steps; ++step) {
    std::vector<cv::Mat> patches;
    for (int i = 0; i < config.batch; ++i) {
      const auto& pool = train[i < half ? 0 : 1];
      patches.push_back(random_patch(pool[rng() % pool.size()], config.patch, rng));
    }
    // Last third at a tenth of the rate: settles the weights so that the
    // result does not hinge on where the final step lands.
    const double lr = step < config.steps * 2 / 3 ? 2e-3 : 2e-4;
    for (auto& g : opt.param_groups()) static_cast<torch::optim::AdamOptions&>(g.options()).lr(lr);
    const torch::Tensor logits = net->forward(colour_jitter(to_batch(patches, config.patch), rng));
    const torch::Tensor loss = torch::binary_cross_entropy_with_logits(logits, labels);
    opt.zero_grad();
    loss.backward();
    opt.step();
  }

  int right[2] = {0, 0};
  for (int cls = 0; cls < 2; ++cls)
    for (const auto& v : test[cls]) right[cls] += c.is_style(v) == (cls == 1);
  r.heldout_accuracy = 0.5 * (double(right[0]) / r.test_photos + double(right[1]) / r.test_style);

  if (!cache_file.empty()) {
    try {
      torch::serialize::OutputArchive archive;
      net->save(archive);
      archive.write("counts", torch::tensor(std::vector<int64_t>{r.train_photos, r.train_style, r.test_photos, r.test_style}));
      archive.write("accuracy", torch::tensor(r.heldout_accuracy, torch::kFloat64));
      write_file_atomically(cache_file, [&](std::ostream& out) { archive.save_to(out); });
    } catch (const std::exception& e) {
      std::fprintf(stderr, "eval: style classifier not cached: %s\n", e.what());
    }
  }
  return c;
}

double StyleClassifier::style_probability(const cv::Mat& rgb8) const {
  if (rgb8.empty() || rgb8.type() != CV_8UC3) throw Error("style_probability wants an 8-bit RGB image");
  cv::Mat view = rgb8;
  if (rgb8.cols != config_.side || rgb8.rows != config_.side)
    cv::resize(rgb8, view, cv::Size(config_.side, config_.side), 0, 0,
               rgb8.cols > config_.side ? cv::INTER_AREA : cv::INTER_LINEAR);
  OneThread one_thread;
  torch::NoGradGuard no_grad;
  const torch::Tensor p = torch::sigmoid(net_->net->forward(to_batch(grid_patches(view, config_.patch), config_.patch)));
  return p.mean().item<double>();
}

}  // namespace cartoonize::train
