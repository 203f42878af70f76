#include "batch_loader.h"

#include <random>

#include "error.h"

namespace cartoonize::train {

BatchLoader::BatchLoader(ImageSource source, int batch, uint64_t seed, uint64_t first_batch, bool flip)
    : source_(std::move(source)), batch_(batch), flip_(flip), seed_(seed), next_batch_(first_batch) {
  if (source_.count == 0) throw Error("no images to train on");
  if (batch_ <= 0) throw Error("batch must be at least 1, not " + std::to_string(batch_));
  worker_ = std::thread([this] { run(); });
}

BatchLoader::~BatchLoader() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  cv_.notify_all();
  worker_.join();
}

void BatchLoader::run() {
  // Decoding is cheap next to a training step; one worker keeps a queue of 3.
  torch::NoGradGuard no_grad;
  std::uniform_int_distribution<size_t> pick(0, source_.count - 1);
  std::bernoulli_distribution coin(0.5);
  int64_t consecutive_failures = 0;
  while (true) {
    std::mt19937_64 rng(seed_ ^ (0x9E3779B97F4A7C15ull * (next_batch_++ + 1)));
    std::vector<torch::Tensor> items;
    while (int(items.size()) < batch_) {
      const size_t index = pick(rng);
      torch::Tensor t;
      const bool known_bad = unreadable_.count(index) > 0;  // only this thread writes the set
      try {
        if (!known_bad) t = source_.load(index);
      } catch (const std::exception& e) {
        std::lock_guard<std::mutex> lock(mutex_);
        error_ = e.what();
        cv_.notify_all();
        return;
      }
      if (!t.defined()) {
        std::lock_guard<std::mutex> lock(mutex_);
        unreadable_.insert(index);
        if (unreadable_.size() == source_.count || ++consecutive_failures > 1000) {
          error_ = unreadable_.size() == source_.count
                       ? "all " + std::to_string(source_.count) + " images are unreadable"
                       : "more than 1000 unreadable images in a row";
          cv_.notify_all();
          return;
        }
        continue;
      }
      consecutive_failures = 0;
      if (flip_ && coin(rng)) t = t.flip({2});
      items.push_back(t);
    }
    torch::Tensor b = torch::stack(items);
    std::unique_lock<std::mutex> lock(mutex_);
    cv_.wait(lock, [&] { return stop_ || queue_.size() < 3; });
    if (stop_) return;
    queue_.push_back(b);
    cv_.notify_all();
  }
}

torch::Tensor BatchLoader::next() {
  std::unique_lock<std::mutex> lock(mutex_);
  cv_.wait(lock, [&] { return !queue_.empty() || !error_.empty(); });
  if (queue_.empty()) throw Error("data loader: " + error_);
  torch::Tensor b = queue_.front();
  queue_.pop_front();
  cv_.notify_all();
  return b;
}

int64_t BatchLoader::skipped() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return int64_t(unreadable_.size());
}

ImageSource pack_source(torch::Tensor images, int size, std::string describe) {
  if (size <= 0) throw Error("image size must be positive, not " + std::to_string(size));
  const bool resize = images.size(2) != size || images.size(3) != size;
  const bool shrink = images.size(2) > size;
  ImageSource s;
  s.count = size_t(images.size(0));
  s.describe = std::move(describe);
  s.load = [images, size, resize, shrink](size_t i) {
    torch::Tensor x = images[int64_t(i)].to(torch::kFloat).unsqueeze(0);
    if (resize) {
      namespace F = torch::nn::functional;
      auto o = F::InterpolateFuncOptions().size(std::vector<int64_t>{size, size});
      x = shrink ? F::interpolate(x, o.mode(torch::kArea))
                 : F::interpolate(x, o.mode(torch::kBilinear).align_corners(false));
    }
    return (x.squeeze(0) / 127.5 - 1).clamp(-1, 1);
  };
  return s;
}

ImageSource concat_sources(std::vector<ImageSource> sources) {
  if (sources.size() == 1) return std::move(sources[0]);
  ImageSource s;
  std::vector<size_t> starts;
  for (const auto& src : sources) {
    starts.push_back(s.count);
    s.count += src.count;
    s.describe += (s.describe.empty() ? "" : " + ") + src.describe;
  }
  s.load = [sources = std::move(sources), starts](size_t i) {
    size_t k = starts.size() - 1;
    while (starts[k] > i) --k;
    return sources[k].load(i - starts[k]);
  };
  return s;
}

}  // namespace cartoonize::train
