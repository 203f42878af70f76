// plot_losses() in the LibTorch-only build (-Dcore_only=true): the loss CSV
// is the record there; plots are drawn with OpenCV on the development
// machine (`cartoonize-train` of the full build plots every CSV it resumes).
#include <cstdio>

#include "plot.h"

namespace cartoonize::train {

void plot_losses(const std::string& csv, const std::string&) {
  static bool told = false;
  if (!told) std::printf("(loss plots need the full build: this one writes only %s)\n", csv.c_str());
  told = true;
}

}  // namespace cartoonize::train
