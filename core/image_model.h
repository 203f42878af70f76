// A loaded image-to-image model, whatever its file format: the project's own
// .ctzm generator or a TorchScript module exported from PyTorch.
#pragma once
#include <memory>
#include <optional>
#include <string>

#include <torch/torch.h>

#include "model_info.h"

namespace cartoonize {

class ImageModel {
 public:
  virtual ~ImageModel() = default;
  // x: N x 3 x H x W float, RGB, in the model's normalisation range.
  // Returns the same shape and range.
  virtual torch::Tensor forward(const torch::Tensor& x) = 0;
  virtual void to(torch::Device device, torch::Dtype dtype) = 0;
  const ModelInfo& info() const { return info_; }

 protected:
  ModelInfo info_;
};

// Loads `path` by content (a zip is TorchScript, else .ctzm). For TorchScript,
// the normalisation comes from `normalization` when given, else from a
// `cartoonize.txt` extra file in the archive (`normalization zero_one`), and a
// module without either is refused. Throws Error with the reason.
std::unique_ptr<ImageModel> load_image_model(const std::string& path,
                                             std::optional<Normalization> normalization = std::nullopt);

}  // namespace cartoonize
