// Random training batches from any image source (folders, image packs),
// prepared on a background thread so loading never stalls the training step.
#pragma once
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include <torch/torch.h>

namespace cartoonize::train {

// A numbered set of images: load(i) gives image i as a 3 x S x S float tensor
// in [-1, 1] (RGB), or an undefined tensor when it cannot be read.
struct ImageSource {
  size_t count = 0;
  std::function<torch::Tensor(size_t)> load;
  std::string describe;  // e.g. "3000 images (photos.ctzp)"
};

class BatchLoader {
 public:
  // Samples `batch` random images (with horizontal flips when `flip`) forever.
  // Batch k depends only on (seed, k), so a resumed run starting at batch
  // `first_batch` sees exactly the batches an uninterrupted run would.
  BatchLoader(ImageSource source, int batch, uint64_t seed, uint64_t first_batch = 0, bool flip = true);
  ~BatchLoader();
  torch::Tensor next();              // batch x 3 x S x S
  int64_t skipped() const;           // distinct unreadable images met so far
  size_t count() const { return source_.count; }
  const std::string& describe() const { return source_.describe; }

 private:
  void run();
  ImageSource source_;
  int batch_;
  bool flip_;
  uint64_t seed_, next_batch_;
  std::thread worker_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<torch::Tensor> queue_;
  bool stop_ = false;
  std::set<size_t> unreadable_;  // indices; met again, they are passed over without a reload
  std::string error_;
};

// Image i of a pack (N x 3 x S x S uint8) as a float tensor in [-1, 1],
// resized (area / bilinear) to `size` when the pack's side differs.
ImageSource pack_source(torch::Tensor images, int size, std::string describe);

// Several sources as one, numbered one after the other.
ImageSource concat_sources(std::vector<ImageSource> sources);

// The training images named by `paths`: image packs (.ctzp) and, in builds
// with OpenCV, folders of image files (centre square crop, resized to
// `size`). Throws Error for a folder in the LibTorch-only build, a missing
// path or no images.
ImageSource training_images(const std::vector<std::string>& paths, int size);

}  // namespace cartoonize::train
