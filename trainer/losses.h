// The frozen networks the generator's losses look through: a content network
// (face-api's face-recognition ResNet by default, or a VGG19 exported to
// TorchScript) and the face-api 68-point landmark network.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include <torch/torch.h>

namespace cartoonize::train {

// $CARTOONIZE_SHARED_DATA/models/face-api, else ../shared/data/models/face-api.
std::string default_face_api_dir();

class ContentNet {
 public:
  // face_api_dir: folder with face_recognition_model-weights_manifest.json;
  // vgg19: optional TorchScript file (see docs/trainer.md) used instead.
  ContentNet(const std::string& face_api_dir, const std::string& vgg19);
  ~ContentNet();
  // Feature maps of images in [-1, 1] (N x 3 x H x W, H, W >= 103).
  std::vector<torch::Tensor> features(const torch::Tensor& x);
  // Mean L1 distance between the features of a and b (b is a target).
  torch::Tensor distance(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) const;
  const std::string& name() const { return name_; }
  void to(torch::Device d);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string name_;
};

class LandmarkLoss {
 public:
  explicit LandmarkLoss(const std::string& face_api_dir);
  ~LandmarkLoss();
  // 68 points (in pixels of a 112 px face) of images in [-1, 1].
  torch::Tensor landmarks(const torch::Tensor& x);
  // Mean absolute landmark displacement (px at 112) between a and target points.
  torch::Tensor distance(const torch::Tensor& a, const torch::Tensor& target_points);
  void to(torch::Device d);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cartoonize::train
