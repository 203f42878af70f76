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
};

// Whether `name` may be a style name: 1-32 characters of [a-z0-9_-] (it
// becomes an enum nick and a file name).
bool valid_style_name(const std::string& name);

}  // namespace cartoonize
