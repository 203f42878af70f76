#include "losses.h"

#include <filesystem>

#include "error.h"
#include "landmark_net.h"
#include "recognition_net.h"

namespace cartoonize::train {
namespace {

std::string manifest(const std::string& dir, const std::string& name) {
  const std::string path = dir + "/" + name + "-weights_manifest.json";
  if (!std::filesystem::exists(path))
    throw Error("no " + path + ": pass --face-api DIR (the face-api weights; see docs/trainer.md). "
                "The trainer never falls back to random weights.");
  return path;
}

torch::Tensor to_pixels(const torch::Tensor& x) { return (x + 1) * 127.5; }

}  // namespace

std::string default_face_api_dir() {
  const char* data = std::getenv("CARTOONIZE_SHARED_DATA");
  return std::string(data && *data ? data : "../shared/data") + "/models/face-api";
}

struct ContentNet::Impl {
  std::unique_ptr<faceapi::FaceRecognitionNet> face;
  torch::jit::Module vgg;
  bool use_vgg = false;
};

ContentNet::ContentNet(const std::string& face_api_dir, const std::string& vgg19) : impl_(std::make_unique<Impl>()) {
  if (!vgg19.empty()) {
    try {
      impl_->vgg = torch::jit::load(vgg19);
    } catch (const std::exception& e) {
      std::string m = e.what();
      throw Error("cannot load --vgg19-weights " + vgg19 + ": " + m.substr(0, m.find('\n')));
    }
    impl_->vgg.eval();
    impl_->use_vgg = true;
    name_ = "vgg19-conv4_4 (" + vgg19 + ")";
  } else {
    impl_->face = std::make_unique<faceapi::FaceRecognitionNet>(manifest(face_api_dir, "face_recognition_model"));
    name_ = "face-api face-recognition ResNet (stages 2-3)";
  }
}

ContentNet::~ContentNet() = default;

void ContentNet::to(torch::Device d) {
  if (impl_->use_vgg) impl_->vgg.to(d);
  else impl_->face->to(d);
}

std::vector<torch::Tensor> ContentNet::features(const torch::Tensor& x) {
  if (impl_->use_vgg) {
    // ImageNet normalisation, as torchvision's VGG19 expects.
    auto mean = torch::tensor({0.485, 0.456, 0.406}, x.options()).view({1, 3, 1, 1});
    auto std = torch::tensor({0.229, 0.224, 0.225}, x.options()).view({1, 3, 1, 1});
    return {impl_->vgg.forward({((x + 1) / 2 - mean) / std}).toTensor()};
  }
  auto f = impl_->face->features(to_pixels(x));
  return {f[1], f[2]};  // 64 and 128 channels: texture-to-part scale for 128 px faces
}

torch::Tensor ContentNet::distance(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) const {
  torch::Tensor sum = torch::zeros({}, a[0].options());
  for (size_t i = 0; i < a.size(); ++i) sum = sum + (a[i] - b[i].detach()).abs().mean();
  return sum / double(a.size());
}

struct LandmarkLoss::Impl {
  std::unique_ptr<faceapi::LandmarkNet> net;
};

LandmarkLoss::LandmarkLoss(const std::string& face_api_dir) : impl_(std::make_unique<Impl>()) {
  impl_->net = std::make_unique<faceapi::LandmarkNet>(manifest(face_api_dir, "face_landmark_68_model"));
}

LandmarkLoss::~LandmarkLoss() = default;
void LandmarkLoss::to(torch::Device d) { impl_->net->to(d); }

torch::Tensor LandmarkLoss::landmarks(const torch::Tensor& x) {
  namespace F = torch::nn::functional;
  const int64_t s = faceapi::LandmarkNet::kInputSize;
  auto resized = F::interpolate(to_pixels(x), F::InterpolateFuncOptions()
                                                  .size(std::vector<int64_t>{s, s})
                                                  .mode(torch::kBilinear)
                                                  .align_corners(false));
  return impl_->net->forward(resized);
}

torch::Tensor LandmarkLoss::distance(const torch::Tensor& a, const torch::Tensor& target_points) {
  return (landmarks(a) - target_points.detach()).abs().mean();
}

}  // namespace cartoonize::train
