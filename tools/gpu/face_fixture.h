// Face warp/paste references made by the OpenCV path on the machine that has
// OpenCV and dlib (`cartoonize-bench --save-frames DIR` writes faces-*.pt),
// read by gpu-check on the GPU machine, which has neither: so the CUDA warp
// and paste (core/face_warp.h) are checked against OpenCV's own output.
// LibTorch only.
#pragma once
#include <string>

#include <torch/torch.h>

namespace cartoonize::bench {

struct FaceFixture {
  torch::Tensor frame;           // H x W x 3 uint8
  torch::Tensor matrices;        // N x 6 float, frame -> crop (faces::alignment_transform)
  torch::Tensor masks;           // N x S x S float (faces::face_mask)
  torch::Tensor alpha;           // N float
  torch::Tensor cartoons;        // N x S x S x 3 uint8: what is pasted (the inverted OpenCV crops)
  torch::Tensor expected_crops;  // N x S x S x 3 uint8: faces::warp_face
  torch::Tensor expected_paste;  // H x W x 3 uint8: faces::paste_back of `cartoons`, face after face
};

void save_face_fixture(const std::string& path, const FaceFixture& f);
// Throws std::runtime_error when the file is not a fixture of consistent shapes.
FaceFixture load_face_fixture(const std::string& path);

}  // namespace cartoonize::bench
