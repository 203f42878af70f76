// The four views of a generated image the losses look at (White-box
// Cartoonization's representations, plus landmarks):
//   surface   - edge-preserving smoothing (guided filter), for D_surface;
//   texture   - a random colour shift to grey, for D_texture;
//   structure - SLIC superpixels filled with their region colour, a content target;
//   landmarks - 68 points from the ported face-api network (see LandmarkLoss).
#pragma once
#include <random>

#include <torch/torch.h>

namespace cartoonize::train {

// guided_filter(x, x, r, eps) on N x 3 x H x W images in [-1, 1].
torch::Tensor surface(const torch::Tensor& x, int r = 5, double eps = 0.2);

// Per-channel weights of one colour shift (R, G, B), drawn as White-box
// Cartoonization does; the same weights go to the fake and the real batch.
torch::Tensor random_shift_weights(std::mt19937_64& rng);
// N x 1 x H x W: sum_c w_c x_c / sum_c w_c.
torch::Tensor color_shift(const torch::Tensor& x, const torch::Tensor& weights);

// SLIC (OpenCV ximgproc, on Lab) superpixels of each image, each region
// filled with its mean colour. No gradient: it is a target. x in [-1, 1].
torch::Tensor superpixel_mean(const torch::Tensor& x, int region_size = 12, float ruler = 10.f);

// A cartoon rendering of a photo built from the representations above, as
// a pixel target for `pretrain --target cartoon`: the surface (guided filter)
// of x, flattened towards its SLIC region colours, dark outlines where the
// smoothed luminance has a ridge or step (difference of Gaussians, soft
// threshold as in XDoG), colours a little more saturated. Geometry is the
// photo's own, so a generator that learns it keeps the face where it was.
struct CartoonRendering {
  int surface_radius = 3;
  double surface_eps = 0.08;  // on [-1, 1]: keeps eyes and mouth, smooths skin
  int region_size = 6;        // SLIC cell (px at 128): about 450 regions
  double flatness = 0.3;      // 0: surface only, 1: region colours only
  double ink = 0.7;           // darkening of a full-strength outline
  double edge_sigma = 1.0;    // px; the outer Gaussian is 1.6x wider
  double edge_threshold = 0.025;
  double saturation = 1.25;
};
torch::Tensor cartoon_rendering(const torch::Tensor& x, const CartoonRendering& o = {});

// Total variation / (C*H*W), squared differences, averaged over the batch.
torch::Tensor variation_loss(const torch::Tensor& x);

}  // namespace cartoonize::train
