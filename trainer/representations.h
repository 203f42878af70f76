// The four views of a generated image the losses look at (White-box
// Cartoonization's representations, plus landmarks):
//   surface   - edge-preserving smoothing (guided filter), for D_surface;
//   texture   - a random colour shift to grey, for D_texture;
//   structure - SLIC superpixels filled with their region colour, a content target;
//   landmarks - 68 points from the ported face-api network (see LandmarkLoss).
#pragma once
#include <random>
#include <string>

#include <torch/torch.h>

namespace cartoonize::train {

// guided_filter(x, x, r, eps) on N x 3 x H x W images in [-1, 1].
torch::Tensor surface(const torch::Tensor& x, int r = 5, double eps = 0.2);

// Per-channel weights of one colour shift (R, G, B), drawn as White-box
// Cartoonization does; the same weights go to the fake and the real batch.
torch::Tensor random_shift_weights(std::mt19937_64& rng);
// N x 1 x H x W: sum_c w_c x_c / sum_c w_c.
torch::Tensor color_shift(const torch::Tensor& x, const torch::Tensor& weights);

// SLIC superpixels (superpixels.h: LibTorch, on Lab, any device) of each
// image, each region filled with its mean colour. No gradient: it is a
// target. x in [-1, 1].
torch::Tensor superpixel_mean(const torch::Tensor& x, int region_size = 12, float compactness = 10.f);

// L0 gradient minimisation (Xu et al. 2011) of each image: piecewise-flat
// colours with sharp steps. No gradient. lambda as in the paper for images
// in [0, 1] (0.005-0.02: mild to strong); any device.
torch::Tensor l0_smooth(const torch::Tensor& x, double lambda, double kappa = 2.0);
// The same with one lambda per image (a tensor of N values).
torch::Tensor l0_smooth(const torch::Tensor& x, const torch::Tensor& lambdas, double kappa = 2.0);

// A cartoon rendering of a photo built from the representations above, as
// a pixel target for `pretrain --target cartoon` (and an `eval` baseline):
// the surface (guided filter, `smooth_passes` times) of x; its luminance
// quantised into `levels` bands with soft steps (toon shading, Winnemoller et
// al. 2006) and its chroma blurred flat; optionally flattened towards SLIC
// region colours; dark outlines where the smoothed luminance has a ridge or
// step (difference of Gaussians, soft threshold as in XDoG); colours more
// saturated. Every step is local, so a generator can learn it, and the
// geometry is the photo's own, so a generator that learns it keeps the face
// where it was.
struct CartoonRendering {
  int surface_radius = 3;
  double surface_eps = 0.08;  // on [-1, 1]: keeps eyes and mouth, smooths skin
  int smooth_passes = 1;      // guided-filter passes (each flattens further)
  int levels = 0;             // luminance steps at k/(levels-1), flat bands between them (0: no quantisation)
  double level_sharpness = 8; // steepness of a band step, in band widths (large: hard steps)
  double chroma_sigma = 0;    // px: Gaussian blur of the chroma (0: none)
  double l0_lambda = 0;       // L0 gradient smoothing (Xu et al. 2011) of the surface: flat regions, sharp steps (0: off)
  double l0_reference = 0;    // gradient energy (mean squared neighbour step of the [0, 1] luminance) below which
                              // l0_lambda shrinks in proportion, so faint faces keep their eyes (0: fixed lambda)
  int region_size = 6;        // SLIC cell (px at 128): about 450 regions
  double flatness = 0.3;      // 0: surface only, 1: region colours only
  double ink = 0.7;           // darkening of a full-strength outline
  double edge_sigma = 1.0;    // px; the outer Gaussian is 1.6x wider
  double edge_threshold = 0.025;
  double saturation = 1.25;
};
// "key=value,key=value" with the field names above (e.g. "levels=5,ink=0.9");
// "" gives the defaults. Throws Error on an unknown key or a bad value.
CartoonRendering parse_cartoon_rendering(const std::string& spec);
std::string describe(const CartoonRendering& o);
torch::Tensor cartoon_rendering(const torch::Tensor& x, const CartoonRendering& o = {});

// Squared neighbour differences, summed over both directions and divided by
// the element count (train divides once more by C*H*W, as White-box does).
torch::Tensor variation_loss(const torch::Tensor& x);

// Colour distance of images in [-1, 1] (AnimeGANv2's colour loss): L1 on
// the luma Y, Huber (smooth L1) on the chroma U and V, each a mean.
torch::Tensor yuv_color_loss(const torch::Tensor& x, const torch::Tensor& target);

}  // namespace cartoonize::train
