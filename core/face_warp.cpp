// Batched face warps with affine_grid + grid_sample (see face_warp.h).
#include "face_warp.h"

#include <cmath>
#include <sstream>

#include "error.h"

namespace cartoonize {
namespace F = torch::nn::functional;

namespace {

// grid_sample's theta (normalised output -> normalised input coordinates,
// align_corners=false: pixel i's centre at (2i + 1) / n - 1) for the pixel
// map p (output pixel -> input pixel, centres at integers). Composed in double.
std::array<double, 6> theta_for(const std::array<double, 6>& p, int out_w, int out_h, int in_w, int in_h) {
  const double sx = out_w / 2.0, tx = (out_w - 1) / 2.0, sy = out_h / 2.0, ty = (out_h - 1) / 2.0;
  const double kx = 2.0 / in_w, ky = 2.0 / in_h;
  return {kx * p[0] * sx, kx * p[1] * sy, kx * (p[0] * tx + p[1] * ty + p[2]) + 1.0 / in_w - 1.0,
          ky * p[3] * sx, ky * p[4] * sy, ky * (p[3] * tx + p[4] * ty + p[5]) + 1.0 / in_h - 1.0};
}

// N x out_h x out_w x 2 sampling grid of the pixel maps, on `like`'s device and dtype.
torch::Tensor grid_for(const std::vector<std::array<double, 6>>& maps, int out_w, int out_h, int in_w, int in_h,
                       const torch::Tensor& like) {
  std::vector<double> thetas;
  thetas.reserve(maps.size() * 6);
  for (const auto& p : maps) {
    const auto t = theta_for(p, out_w, out_h, in_w, in_h);
    thetas.insert(thetas.end(), t.begin(), t.end());
  }
  const int64_t n = int64_t(maps.size());
  const torch::Tensor theta =
      torch::from_blob(thetas.data(), {n, 2, 3}, torch::kDouble).to(like.device(), like.scalar_type());
  return F::affine_grid(theta, {n, 1, out_h, out_w}, /*align_corners=*/false);
}

torch::Tensor sample(const torch::Tensor& input, const torch::Tensor& grid, bool replicate_border) {
  auto options = F::GridSampleFuncOptions().mode(torch::kBilinear).align_corners(false);
  if (replicate_border) options.padding_mode(torch::kBorder);  // else zeros
  return F::grid_sample(input, grid, options);
}

void check_matrices(const std::vector<Affine>& ms) {
  for (const auto& m : ms)
    for (float v : m)
      if (!std::isfinite(v)) throw Error("face warp: a face's affine matrix is not finite");
}

void check_frame(const torch::Tensor& frame, const char* what) {
  if (frame.dim() != 4 || frame.size(0) != 1 || frame.size(2) < 1 || frame.size(3) < 1 ||
      !frame.is_floating_point()) {
    std::ostringstream msg;
    msg << what << ": the frame must be a 1 x C x H x W floating-point tensor, not " << frame.sizes() << " "
        << frame.scalar_type();
    throw Error(msg.str());
  }
}

std::array<double, 6> as_double(const Affine& m) { return {m[0], m[1], m[2], m[3], m[4], m[5]}; }

}  // namespace

torch::Tensor warp_crops(const torch::Tensor& frame, const std::vector<Affine>& frame_to_crop, int size) {
  check_frame(frame, "warp_crops");
  if (size < 1) throw Error("warp_crops: the crop size must be >= 1");
  check_matrices(frame_to_crop);
  const int64_t n = int64_t(frame_to_crop.size()), c = frame.size(1);
  if (n == 0) return torch::empty({0, c, size, size}, frame.options());
  std::vector<std::array<double, 6>> maps;  // crop pixel -> frame pixel
  for (const auto& m : frame_to_crop) maps.push_back(as_double(invert_affine(m)));
  // The crops' grids stacked into one tall grid: one sample of one frame.
  const torch::Tensor grid = grid_for(maps, size, size, int(frame.size(3)), int(frame.size(2)), frame)
                                 .reshape({1, n * size, size, 2});
  return sample(frame, grid, /*replicate_border=*/true).view({c, n, size, size}).permute({1, 0, 2, 3}).contiguous();
}

void paste_crops(torch::Tensor& frame, const torch::Tensor& crops, const torch::Tensor& masks,
                 const std::vector<Affine>& frame_to_crop, const std::vector<float>& alpha) {
  check_frame(frame, "paste_crops");
  check_matrices(frame_to_crop);
  const int64_t n = int64_t(frame_to_crop.size());
  if (crops.dim() != 4 || crops.size(0) != n || crops.size(1) != frame.size(1) || crops.size(2) != crops.size(3) ||
      crops.size(2) < 1 || masks.dim() != 4 || masks.size(0) != n || masks.size(1) != 1 ||
      masks.size(2) != crops.size(2) || masks.size(3) != crops.size(3) || int64_t(alpha.size()) != n) {
    std::ostringstream msg;
    msg << "paste_crops: " << n << " faces need N x C x S x S crops, N x 1 x S x S masks and N weights for a "
        << frame.sizes() << " frame; got crops " << crops.sizes() << ", masks " << masks.sizes() << ", "
        << alpha.size() << " weights";
    throw Error(msg.str());
  }
  if (crops.device() != frame.device() || masks.device() != frame.device())
    throw Error("paste_crops: crops, masks and frame must be on the same device");
  const int size = int(crops.size(2)), width = int(frame.size(3)), height = int(frame.size(2));

  // Faces that change something, each sampled over its own box; one grid of
  // the largest box serves all (each face uses its top-left part).
  std::vector<int64_t> index;
  std::vector<PixelBox> boxes;
  std::vector<std::array<double, 6>> maps;  // box pixel -> crop pixel
  int box_w = 0, box_h = 0;
  for (int64_t i = 0; i < n; ++i) {
    const PixelBox b = paste_box(frame_to_crop[size_t(i)], size, size, width, height);
    if (alpha[size_t(i)] <= 0.f || b.empty()) continue;
    const auto m = as_double(frame_to_crop[size_t(i)]);
    maps.push_back({m[0], m[1], m[0] * b.x + m[1] * b.y + m[2], m[3], m[4], m[3] * b.x + m[4] * b.y + m[5]});
    index.push_back(i);
    boxes.push_back(b);
    box_w = std::max(box_w, b.width);
    box_h = std::max(box_h, b.height);
  }
  if (index.empty()) return;
  const torch::Tensor grid = grid_for(maps, box_w, box_h, size, size, frame);
  const torch::Tensor sel = torch::tensor(index, torch::kLong).to(frame.device());
  const torch::Tensor crop_w = sample(crops.index_select(0, sel).to(frame.scalar_type()), grid, true);
  const torch::Tensor mask_w = sample(masks.index_select(0, sel).to(frame.scalar_type()), grid, false);
  for (size_t k = 0; k < index.size(); ++k) {  // in order: a later face blends over an earlier one
    const PixelBox& b = boxes[k];
    const float a = std::min(1.f, alpha[size_t(index[k])]);
    const torch::Tensor c = crop_w[int64_t(k)].narrow(1, 0, b.height).narrow(2, 0, b.width);
    const torch::Tensor w = mask_w[int64_t(k)].narrow(1, 0, b.height).narrow(2, 0, b.width).clamp_max(1.0) * a;
    torch::Tensor region = frame[0].narrow(1, b.y, b.height).narrow(2, b.x, b.width);
    region.add_(w * (c - region));
  }
}

}  // namespace cartoonize
