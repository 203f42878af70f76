// What a model file says about itself. Plain data, no LibTorch.
#pragma once
#include <string>

namespace cartoonize {

// How the generator wants its input: pixel values mapped to [-1, 1] (the
// project's own models, most GAN generators) or [0, 1].
enum class Normalization { MinusOneOne, ZeroOne };
const char* normalization_name(Normalization n);
// Parses "minus_one_one" / "zero_one"; throws Error otherwise.
Normalization parse_normalization(const std::string& s);

enum class ModelFormat { Native, TorchScript };

// What the engine does to the generator's face crops before they are pasted,
// with the input crop as the reference; each step off at radius 0.
//  - lines: a dark stroke at most 2·line_radius+1 px wide (its black-hat,
//    closing minus image, reaches line_contrast) where the photo has no dark
//    line of its own (black-hat under half of that) is closed over:
//    cracks across skin go; outlines over the photo's own features (eyes,
//    brows, lips, nostrils), however dark, and flat colours stay;
//  - colour: the cartoon's mean chroma over the middle of the crop (the
//    face) moves this share of the way to the photo's, luma kept: each
//    person's skin tone survives a style's cast (1: the photo's chroma on
//    average, 0: off);
//  - guided: a guided filter (He et al.) per channel with the photo as the
//    guide: the cartoon is kept only where it is a local linear function of
//    the photo over (2r+1)^2 windows (stronger: it also takes the style's
//    texture away).
struct OutputFilter {
  int line_radius = 0;
  double line_contrast = 0.0;  // in [0, 1] (a grey level is 1/255)
  double color = 0.0;          // in [0, 1]
  int radius = 0;              // guided
  double eps = 0.0;            // guided: regulariser on the guide's variance, values in [0, 1]
  bool on() const { return radius > 0 || line_radius > 0 || color > 0; }
};

// The input sizes a model may declare (the trainer's --size range): face
// crops are made at this size, so a damaged header must not ask for more.
constexpr int kMinInputSize = 16;
constexpr int kMaxInputSize = 1024;

struct ModelInfo {
  ModelFormat format = ModelFormat::Native;
  std::string architecture = "unet-wbc";  // native generator family
  int width = 32;                         // channels of the first conv
  int res_blocks = 4;
  int input_size = 128;                   // training resolution (square)
  Normalization normalization = Normalization::MinusOneOne;
  std::string dtype = "f32";              // storage dtype of the weights: f32 | f16
  std::string provenance_json = "{}";     // data, iterations, loss weights, version
  std::string style;                      // style name (the header's optional `style` line); empty: none
  OutputFilter output_filter;             // the header's optional output_lines / output_color / output_guided lines
};

// Whether `name` may be a style name: 1-32 characters of [a-z0-9_-] (it
// becomes an enum nick and a file name).
bool valid_style_name(const std::string& name);

}  // namespace cartoonize
