// The command-line form of a model's output filter (model_info.h), shared by
// `export` (written into the file) and `eval` (tried without writing one).
#pragma once
#include <optional>
#include <string>

#include "model_info.h"

namespace cartoonize::train {

// '' -> nullopt (the model file's own), 'none' -> off, else steps joined by
// '+': 'lines=R,CONTRAST', 'color=SHARE', 'guided=R,EPS' (radius 1..64,
// values 0..1), e.g. lines=2,0.06+color=0.5 (model_info.h). Throws Error naming `option` otherwise.
std::optional<OutputFilter> parse_output_filter(const std::string& text, const std::string& option);

}  // namespace cartoonize::train
