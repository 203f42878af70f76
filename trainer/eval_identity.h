// Face identity for `eval`: dlib's face-recognition ResNet (128-D descriptors,
// same person when closer than 0.6). dlib's DNN templates stay in
// eval_identity.cpp, which compiles slowly and apart from LibTorch.
#pragma once
#include <array>
#include <memory>
#include <string>

#include <opencv2/core.hpp>

#include "landmarks.h"

namespace cartoonize::train {

using FaceDescriptor = std::array<float, 128>;

// dlib's threshold: descriptors closer than this are the same person.
inline constexpr double kSamePersonDistance = 0.6;

// dlib_face_recognition_resnet_model_v1.dat from the PyPI package
// face-recognition-models, as found when the build was configured (meson asks
// the venv's python), else under $VIRTUAL_ENV; "" when neither has it.
std::string default_dlib_resnet();

class FaceIdentity {
 public:
  // Throws cartoonize::Error naming the file when it is missing or not the ResNet.
  explicit FaceIdentity(const std::string& model_path);
  ~FaceIdentity();
  FaceIdentity(const FaceIdentity&) = delete;
  FaceIdentity& operator=(const FaceIdentity&) = delete;

  // Descriptor of the face with these 68 landmarks in an 8-bit RGB image: a
  // 150x150 chip aligned by dlib (get_face_chip_details(shape, 150, 0.25)).
  FaceDescriptor describe(const cv::Mat& rgb8, const faces::Landmarks& landmarks);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

double cosine_similarity(const FaceDescriptor& a, const FaceDescriptor& b);
double euclidean_distance(const FaceDescriptor& a, const FaceDescriptor& b);

}  // namespace cartoonize::train
