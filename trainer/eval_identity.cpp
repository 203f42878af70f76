#include "eval_identity.h"

#include <cmath>
#include <cstdlib>
#include <filesystem>

#include <dlib/dnn.h>
#include <dlib/image_transforms.h>

#include "error.h"

#ifndef CARTOONIZE_DLIB_RESNET
#define CARTOONIZE_DLIB_RESNET ""
#endif

namespace cartoonize::train {
namespace fs = std::filesystem;
namespace {

// The network of dlib's dnn_face_recognition_ex.cpp (a ResNet-29 with halved
// filter counts); the layer types must match the serialized file exactly.
using namespace dlib;

template <template <int, template <typename> class, int, typename> class Block, int N,
          template <typename> class BN, typename Sub>
using residual = add_prev1<Block<N, BN, 1, tag1<Sub>>>;

template <template <int, template <typename> class, int, typename> class Block, int N,
          template <typename> class BN, typename Sub>
using residual_down = add_prev2<avg_pool<2, 2, 2, 2, skip1<tag2<Block<N, BN, 2, tag1<Sub>>>>>>;

template <int N, template <typename> class BN, int Stride, typename Sub>
using conv_block = BN<con<N, 3, 3, 1, 1, relu<BN<con<N, 3, 3, Stride, Stride, Sub>>>>>;

template <int N, typename Sub> using ares = relu<residual<conv_block, N, affine, Sub>>;
template <int N, typename Sub> using ares_down = relu<residual_down<conv_block, N, affine, Sub>>;

template <typename Sub> using level0 = ares_down<256, Sub>;
template <typename Sub> using level1 = ares<256, ares<256, ares_down<256, Sub>>>;
template <typename Sub> using level2 = ares<128, ares<128, ares_down<128, Sub>>>;
template <typename Sub> using level3 = ares<64, ares<64, ares<64, ares_down<64, Sub>>>>;
template <typename Sub> using level4 = ares<32, ares<32, ares<32, Sub>>>;

using ResNet = loss_metric<fc_no_bias<128, avg_pool_everything<level0<level1<level2<level3<level4<
    max_pool<3, 3, 2, 2, relu<affine<con<32, 7, 7, 2, 2, input_rgb_image_sized<150>>>>>>>>>>>>>;

}  // namespace

struct FaceIdentity::Impl {
  ResNet net;
};

std::string default_dlib_resnet() {
  const std::string file = "dlib_face_recognition_resnet_model_v1.dat";
  if (fs::exists(CARTOONIZE_DLIB_RESNET)) return CARTOONIZE_DLIB_RESNET;
  if (const char* venv = std::getenv("VIRTUAL_ENV")) {
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(venv, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec))
      if (it->path().filename() == file && it->path().parent_path().filename() == "models") return it->path().string();
  }
  return "";
}

FaceIdentity::FaceIdentity(const std::string& model_path) : impl_(std::make_unique<Impl>()) {
  if (model_path.empty())
    throw Error("dlib face-recognition ResNet not found: pass --dlib-resnet FILE "
                "(dlib_face_recognition_resnet_model_v1.dat from the PyPI package face-recognition-models)");
  if (!fs::is_regular_file(model_path)) throw Error("dlib face-recognition ResNet " + model_path + " not found");
  try {
    deserialize(model_path) >> impl_->net;
  } catch (const std::exception& e) {
    throw Error("cannot load the dlib face-recognition ResNet " + model_path + ": " + e.what());
  }
}

FaceIdentity::~FaceIdentity() = default;

FaceDescriptor FaceIdentity::describe(const cv::Mat& rgb8, const faces::Landmarks& lm) {
  if (rgb8.type() != CV_8UC3) throw Error("FaceIdentity::describe wants an 8-bit RGB image");
  matrix<rgb_pixel> img(rgb8.rows, rgb8.cols);
  for (int y = 0; y < rgb8.rows; ++y) {
    const auto* row = rgb8.ptr<cv::Vec3b>(y);
    for (int x = 0; x < rgb8.cols; ++x) img(y, x) = rgb_pixel(row[x][0], row[x][1], row[x][2]);
  }
  std::vector<point> parts;
  for (const auto& p : lm) parts.emplace_back(long(std::lround(p.x)), long(std::lround(p.y)));
  const cv::Rect2f b = faces::landmark_bounds(lm);
  const full_object_detection shape(
      rectangle(long(b.x), long(b.y), long(b.x + b.width), long(b.y + b.height)), parts);
  matrix<rgb_pixel> chip;
  extract_image_chip(img, get_face_chip_details(shape, 150, 0.25), chip);
  const matrix<float, 0, 1> d = impl_->net(chip);
  FaceDescriptor out{};
  for (long i = 0; i < d.size() && i < long(out.size()); ++i) out[size_t(i)] = d(i);
  return out;
}

double cosine_similarity(const FaceDescriptor& a, const FaceDescriptor& b) {
  double ab = 0, aa = 0, bb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    ab += double(a[i]) * b[i];
    aa += double(a[i]) * a[i];
    bb += double(b[i]) * b[i];
  }
  return aa > 0 && bb > 0 ? ab / std::sqrt(aa * bb) : 0.0;
}

double euclidean_distance(const FaceDescriptor& a, const FaceDescriptor& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += double(a[i] - b[i]) * (a[i] - b[i]);
  return std::sqrt(s);
}

}  // namespace cartoonize::train
