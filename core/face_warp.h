// Face warps on tensors, on any device: the aligned crops of all faces of a
// frame in one grid_sample call, and the feathered paste back of their
// cartoons. The tensor counterpart of core/faces' warp_face and paste_back
// (OpenCV, host memory), so a frame in GPU memory never goes to the host;
// tests/faces/test_face_warp.cpp holds both to the same output.
#pragma once
#include <vector>

#include <torch/torch.h>

#include "affine.h"

namespace cartoonize {

// frame: 1 x C x H x W float. Returns N x C x size x size float, one crop per
// matrix (frame -> crop pixels, as faces::alignment_transform gives):
// crop(u, v) = frame(M^-1 (u, v)), bilinear, border replicated, like
// faces::warp_face. Zero matrices: a 0 x C x size x size tensor. Throws Error
// on a bad shape or a non-finite matrix.
torch::Tensor warp_crops(const torch::Tensor& frame, const std::vector<Affine>& frame_to_crop, int size);

// Blends each crop into `frame` (1 x C x H x W float, in place), face after
// face: frame += alpha * min(1, mask) * (crop - frame), with crop and mask
// (N x C x S x S and N x 1 x S x S, on the frame's device) warped back
// through M^-1: crops bilinear with replicated border, masks bilinear and 0
// outside, like faces::paste_back. Only each face's paste_box is touched,
// and there frame pixels where the warped mask is 0 keep their value.
// alpha: one weight per face (presence * strength); <= 0 skips the face.
void paste_crops(torch::Tensor& frame, const torch::Tensor& crops, const torch::Tensor& masks,
                 const std::vector<Affine>& frame_to_crop, const std::vector<float>& alpha);

}  // namespace cartoonize
