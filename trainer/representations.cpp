#include "representations.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "guided_upsample.h"
#include "error.h"
#include "image_metrics.h"
#include "superpixels.h"

namespace cartoonize::train {

torch::Tensor surface(const torch::Tensor& x, int r, double eps) { return guided_filter(x, x, r, eps); }

torch::Tensor random_shift_weights(std::mt19937_64& rng) {
  std::uniform_real_distribution<float> r(0.199f, 0.399f), g(0.487f, 0.687f), b(0.014f, 0.214f);
  return torch::tensor({r(rng), g(rng), b(rng)});
}

torch::Tensor color_shift(const torch::Tensor& x, const torch::Tensor& weights) {
  auto w = weights.to(x.device(), x.scalar_type()).view({1, 3, 1, 1});
  return (x * w).sum(1, true) / w.sum();
}

torch::Tensor superpixel_mean(const torch::Tensor& x, int region_size, float compactness) {
  torch::NoGradGuard ng;
  const torch::Tensor img = x.detach().to(torch::kFloat);
  const torch::Tensor labels = slic_labels((img + 1) / 2, region_size, compactness);
  const int64_t cells = ((img.size(2) + region_size - 1) / region_size) * ((img.size(3) + region_size - 1) / region_size);
  return region_mean(img, labels, cells).to(x.scalar_type()).contiguous();
}

torch::Tensor l0_smooth(const torch::Tensor& x, double lambda, double kappa) {
  return l0_smooth(x, torch::full({x.size(0)}, lambda, torch::TensorOptions().dtype(torch::kFloat).device(x.device())), kappa);
}

torch::Tensor l0_smooth(const torch::Tensor& x, const torch::Tensor& lambdas, double kappa) {
  // Xu et al. 2011, "Image smoothing via L0 gradient minimization": half-
  // quadratic splitting with circular borders, every image of the batch at
  // once. (OpenCV 4.6's ximgproc::l0Smooth shifts each colour channel's mean
  // and writes into its input: measured, so it is not used.)
  torch::NoGradGuard ng;
  const torch::Tensor img = x.detach().to(torch::kFloat);
  const int64_t h = img.size(2), w = img.size(3);
  const auto opts = torch::TensorOptions().dtype(torch::kFloat).device(img.device());
  // Transfer functions of the forward differences S[x+1] - S[x] (circular),
  // on the half spectrum rfft2 keeps (the images are real).
  const int64_t wh = w / 2 + 1;
  const double two_pi = 2 * M_PI;
  const torch::Tensor fx = torch::arange(wh, opts) * (two_pi / double(w));
  const torch::Tensor fy = torch::arange(h, opts) * (two_pi / double(h));
  const torch::Tensor otf_x = torch::complex(torch::cos(fx) - 1, torch::sin(fx)).view({1, 1, 1, wh});
  const torch::Tensor otf_y = torch::complex(torch::cos(fy) - 1, torch::sin(fy)).view({1, 1, h, 1});
  const torch::Tensor denominator_grad = (otf_x.abs().pow(2) + otf_y.abs().pow(2));
  const torch::Tensor f_image = torch::fft::rfft2(img);
  const torch::Tensor lambda = lambdas.to(opts).view({-1, 1, 1, 1});
  torch::Tensor s = img;
  for (double beta = 2 * std::max(1e-6, lambda.min().item<double>()); beta < 1e5; beta *= kappa) {
    torch::Tensor dh = torch::roll(s, {-1}, {3}) - s, dv = torch::roll(s, {-1}, {2}) - s;
    const torch::Tensor keep = ((dh.pow(2) + dv.pow(2)).sum(1, true) >= lambda / beta).to(torch::kFloat);
    dh = dh * keep;
    dv = dv * keep;
    const torch::Tensor numerator =
        f_image + beta * (otf_x.conj() * torch::fft::rfft2(dh) + otf_y.conj() * torch::fft::rfft2(dv));
    s = torch::fft::irfft2(numerator / (1 + beta * denominator_grad), torch::IntArrayRef{h, w});
  }
  return s.to(x.scalar_type()).contiguous();
}

namespace {

// Gaussian blur of N x C x H x W, same size (reflected borders).
torch::Tensor blur_same_size(const torch::Tensor& x, double sigma) {
  const int64_t r = std::max<int64_t>(1, int64_t(std::ceil(3 * sigma)));
  namespace F = torch::nn::functional;
  return gaussian_blur(F::pad(x, F::PadFuncOptions({r, r, r, r}).mode(torch::kReflect)), sigma, r);
}

torch::Tensor luminance(const torch::Tensor& x) {
  return 0.299 * x.narrow(1, 0, 1) + 0.587 * x.narrow(1, 1, 1) + 0.114 * x.narrow(1, 2, 1);
}

}  // namespace

torch::Tensor cartoon_rendering(const torch::Tensor& x, const CartoonRendering& o) {
  torch::NoGradGuard ng;
  torch::Tensor smooth = x;
  for (int i = 0; i < std::max(1, o.smooth_passes); ++i) smooth = surface(smooth, o.surface_radius, o.surface_eps);
  if (o.l0_lambda > 0) {
    const torch::Tensor s01 = (smooth + 1) / 2;  // lambda is for [0, 1] images
    torch::Tensor lambdas = torch::full({x.size(0)}, o.l0_lambda, s01.options());
    if (o.l0_reference > 0) {
      // Low-contrast (blurred, dim) faces have small gradients everywhere: a
      // fixed lambda flattens their eyes and mouth away. Scale it down with
      // the image's gradient energy below the reference.
      const torch::Tensor y = luminance(s01);
      const torch::Tensor energy = (y.narrow(3, 1, y.size(3) - 1) - y.narrow(3, 0, y.size(3) - 1)).pow(2).mean({1, 2, 3}) +
                                   (y.narrow(2, 1, y.size(2) - 1) - y.narrow(2, 0, y.size(2) - 1)).pow(2).mean({1, 2, 3});
      lambdas = lambdas * (energy / o.l0_reference).clamp_max(1.0);
    }
    smooth = l0_smooth(s01, lambdas) * 2 - 1;
  }
  torch::Tensor colour = (smooth + 1) / 2;  // [0, 1]
  if (o.flatness > 0) colour = o.flatness * (superpixel_mean(smooth, o.region_size) + 1) / 2 + (1 - o.flatness) * colour;
  const torch::Tensor lum = (luminance(smooth) + 1) / 2;
  if (o.levels > 1 || o.chroma_sigma > 0) {
    // Luminance and chroma apart: bands of flat shading, chroma without texture.
    torch::Tensor y = luminance(colour), chroma = colour - y;
    if (o.chroma_sigma > 0) chroma = blur_same_size(chroma, o.chroma_sigma);
    if (o.levels > 1) {
      const double step = 1.0 / (o.levels - 1);
      const torch::Tensor nearest = torch::round(y / step) * step;
      y = nearest + (step / 2) * torch::tanh((o.level_sharpness / step) * (y - nearest));
    }
    colour = y + chroma;
  }
  // Dark side of a luminance edge: the narrow blur is darker than the wide one.
  const torch::Tensor dog = blur_same_size(lum, 1.6 * o.edge_sigma) - blur_same_size(lum, o.edge_sigma);
  const torch::Tensor outline = torch::sigmoid((dog - o.edge_threshold) * 400);
  torch::Tensor out = colour * (1 - o.ink * outline);
  const torch::Tensor grey = luminance(out);
  out = grey + o.saturation * (out - grey);
  return (out.clamp(0, 1) * 2 - 1).contiguous();
}

namespace {

// The fields `parse_cartoon_rendering` and `describe` know, in one table.
struct RenderingField {
  const char* name;
  int CartoonRendering::*integer;
  double CartoonRendering::*number;
};
constexpr RenderingField kRenderingFields[] = {
    {"surface_radius", &CartoonRendering::surface_radius, nullptr},
    {"surface_eps", nullptr, &CartoonRendering::surface_eps},
    {"smooth_passes", &CartoonRendering::smooth_passes, nullptr},
    {"levels", &CartoonRendering::levels, nullptr},
    {"level_sharpness", nullptr, &CartoonRendering::level_sharpness},
    {"chroma_sigma", nullptr, &CartoonRendering::chroma_sigma},
    {"l0_lambda", nullptr, &CartoonRendering::l0_lambda},
    {"l0_reference", nullptr, &CartoonRendering::l0_reference},
    {"region_size", &CartoonRendering::region_size, nullptr},
    {"flatness", nullptr, &CartoonRendering::flatness},
    {"ink", nullptr, &CartoonRendering::ink},
    {"edge_sigma", nullptr, &CartoonRendering::edge_sigma},
    {"edge_threshold", nullptr, &CartoonRendering::edge_threshold},
    {"saturation", nullptr, &CartoonRendering::saturation},
};

}  // namespace

CartoonRendering parse_cartoon_rendering(const std::string& spec) {
  CartoonRendering o;
  size_t pos = 0;
  while (pos < spec.size()) {
    size_t comma = spec.find(',', pos);
    if (comma == std::string::npos) comma = spec.size();
    const std::string item = spec.substr(pos, comma - pos);
    pos = comma + 1;
    const auto trim = [](const std::string& t) {
      const size_t b = t.find_first_not_of(" \t"), e = t.find_last_not_of(" \t");
      return b == std::string::npos ? std::string() : t.substr(b, e - b + 1);
    };
    if (trim(item).empty()) continue;
    const size_t eq = item.find('=');
    const std::string key = trim(item.substr(0, eq)), value = eq == std::string::npos ? "" : trim(item.substr(eq + 1));
    const RenderingField* field = nullptr;
    for (const auto& f : kRenderingFields)
      if (key == f.name) field = &f;
    if (!field) {
      std::string known;
      for (const auto& f : kRenderingFields) known += std::string(known.empty() ? "" : ", ") + f.name;
      throw Error("rendering: unknown setting '" + key + "' (known: " + known + ")");
    }
    char* end = nullptr;
    const double v = std::strtod(value.c_str(), &end);
    if (value.empty() || *end != '\0' || !std::isfinite(v) || v < 0)
      throw Error("rendering: " + key + " wants a number >= 0, not '" + value + "'");
    if (field->integer) {
      if (v != std::floor(v) || v > 1000) throw Error("rendering: " + key + " wants a whole number, not '" + value + "'");
      o.*(field->integer) = int(v);
    } else {
      o.*(field->number) = v;
    }
  }
  if (o.surface_radius < 1 || o.region_size < 2 || o.edge_sigma <= 0)
    throw Error("rendering: surface_radius >= 1, region_size >= 2 and edge_sigma > 0 are needed");
  return o;
}

std::string describe(const CartoonRendering& o) {
  std::string out;
  char buf[64];
  for (const auto& f : kRenderingFields) {
    if (f.integer) std::snprintf(buf, sizeof buf, "%s=%d", f.name, o.*(f.integer));
    else std::snprintf(buf, sizeof buf, "%s=%g", f.name, o.*(f.number));
    if (!out.empty()) out += ',';
    out += buf;
  }
  return out;
}

torch::Tensor variation_loss(const torch::Tensor& x) {
  auto dx = x.narrow(3, 1, x.size(3) - 1) - x.narrow(3, 0, x.size(3) - 1);
  auto dy = x.narrow(2, 1, x.size(2) - 1) - x.narrow(2, 0, x.size(2) - 1);
  return (dx.pow(2).sum() + dy.pow(2).sum()) / double(x.numel());
}

torch::Tensor yuv_color_loss(const torch::Tensor& x, const torch::Tensor& target) {
  auto yuv = [](const torch::Tensor& t) {
    const torch::Tensor c = (t.to(torch::kFloat) + 1) / 2;
    const auto r = c.select(1, 0), g = c.select(1, 1), b = c.select(1, 2);
    return std::array<torch::Tensor, 3>{0.299 * r + 0.587 * g + 0.114 * b, -0.14714119 * r - 0.28886916 * g + 0.43601035 * b,
                                        0.61497538 * r - 0.51496512 * g - 0.10001026 * b};
  };
  const auto a = yuv(x), t = yuv(target.detach());
  return torch::l1_loss(a[0], t[0]) + torch::smooth_l1_loss(a[1], t[1]) + torch::smooth_l1_loss(a[2], t[2]);
}

}  // namespace cartoonize::train
