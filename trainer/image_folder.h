// Training images from folders, as normalised tensors, loaded on a background
// thread so decoding never stalls the training step.
#pragma once
#include <condition_variable>
#include <deque>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <torch/torch.h>

namespace cartoonize::train {

// All .jpg/.jpeg/.png/.bmp/.webp files under the folders (recursive), sorted.
std::vector<std::string> list_images(const std::vector<std::string>& folders);

// Reads one image as a 3 x size x size float tensor in [-1, 1] (RGB): centre
// square crop, area resize. Returns an undefined tensor for unreadable files.
torch::Tensor load_image_tensor(const std::string& path, int size);

class BatchLoader {
 public:
  // Samples `batch` random images (with horizontal flips when `flip`) forever.
  // Batch k depends only on (seed, k), so a resumed run starting at batch
  // `first_batch` sees exactly the batches an uninterrupted run would.
  BatchLoader(std::vector<std::string> files, int size, int batch, uint64_t seed, uint64_t first_batch = 0,
              bool flip = true);
  ~BatchLoader();
  torch::Tensor next();              // batch x 3 x size x size
  int64_t skipped() const;           // unreadable files met so far
  const std::vector<std::string>& files() const { return files_; }

 private:
  void run();
  std::vector<std::string> files_;
  int size_, batch_;
  bool flip_;
  uint64_t seed_, next_batch_;
  std::thread worker_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<torch::Tensor> queue_;
  bool stop_ = false;
  int64_t skipped_ = 0;
  std::string error_;
};

}  // namespace cartoonize::train
