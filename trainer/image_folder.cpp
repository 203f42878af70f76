#include "image_folder.h"

#include <algorithm>
#include <filesystem>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "error.h"
#include "tensor_image.h"

namespace cartoonize::train {

namespace fs = std::filesystem;

std::vector<std::string> list_images(const std::vector<std::string>& folders) {
  std::vector<std::string> files;
  for (const auto& folder : folders) {
    std::error_code ec;
    if (!fs::is_directory(folder, ec)) throw Error("not a folder: " + folder);
    for (auto it = fs::recursive_directory_iterator(folder, ec); it != fs::recursive_directory_iterator(); ++it) {
      if (!it->is_regular_file()) continue;
      std::string ext = it->path().extension().string();
      std::transform(ext.begin(), ext.end(), ext.begin(), ::tolower);
      if (ext == ".jpg" || ext == ".jpeg" || ext == ".png" || ext == ".bmp" || ext == ".webp")
        files.push_back(it->path().string());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

torch::Tensor load_image_tensor(const std::string& path, int size) {
  cv::Mat bgr = cv::imread(path, cv::IMREAD_COLOR);
  if (bgr.empty()) return {};
  const int side = std::min(bgr.cols, bgr.rows);
  cv::Mat square = bgr(cv::Rect((bgr.cols - side) / 2, (bgr.rows - side) / 2, side, side));
  cv::Mat resized;
  cv::resize(square, resized, cv::Size(size, size), 0, 0, side > size ? cv::INTER_AREA : cv::INTER_CUBIC);
  ImageView view{resized.data, resized.cols, resized.rows, std::ptrdiff_t(resized.step[0]), PixelLayout::BGR};
  return to_model_range(packed_to_rgb(view), Normalization::MinusOneOne).squeeze(0).clone();
}

BatchLoader::BatchLoader(std::vector<std::string> files, int size, int batch, uint64_t seed, uint64_t first_batch,
                         bool flip)
    : files_(std::move(files)), size_(size), batch_(batch), flip_(flip), seed_(seed), next_batch_(first_batch) {
  if (files_.empty()) throw Error("no images to train on");
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
  std::uniform_int_distribution<size_t> pick(0, files_.size() - 1);
  std::bernoulli_distribution coin(0.5);
  int64_t consecutive_failures = 0;
  while (true) {
    std::mt19937_64 rng(seed_ ^ (0x9E3779B97F4A7C15ull * (next_batch_++ + 1)));
    std::vector<torch::Tensor> items;
    while (int(items.size()) < batch_) {
      torch::Tensor t = load_image_tensor(files_[pick(rng)], size_);
      if (!t.defined()) {
        std::lock_guard<std::mutex> lock(mutex_);
        ++skipped_;
        if (++consecutive_failures > 1000) {
          error_ = "more than 1000 unreadable images in a row";
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
  return skipped_;
}

}  // namespace cartoonize::train
