#include "output_filter_option.h"

#include <cstdlib>
#include <sstream>

#include "error.h"

namespace cartoonize::train {

std::optional<OutputFilter> parse_output_filter(const std::string& text, const std::string& option) {
  if (text.empty()) return std::nullopt;
  OutputFilter f;
  if (text == "none") return f;
  const auto bad = [&](const std::string& why) {
    return Error(option + ": " + why + " in '" + text + "' (none, or lines=R,C, color=K and/or guided=R,EPS joined by "
                 "'+', radius 1..64, C, K and EPS in 0..1)");
  };
  const auto unit = [&](const std::string& v) {  // C, K, EPS
    char* end = nullptr;
    const double x = std::strtod(v.c_str(), &end);
    if (v.empty() || *end != '\0' || !(x >= 0 && x <= 1)) throw bad("bad value '" + v + "'");
    return x;
  };
  std::stringstream steps(text);
  std::string step;
  while (std::getline(steps, step, '+')) {
    if (step.rfind("color=", 0) == 0) {
      f.color = unit(step.substr(6));
      continue;
    }
    const auto eq = step.find('='), comma = step.find(',');
    if (eq == std::string::npos || comma == std::string::npos || comma < eq) throw bad("bad step '" + step + "'");
    const std::string kind = step.substr(0, eq), radius_text = step.substr(eq + 1, comma - eq - 1);
    char* end = nullptr;
    const long radius = std::strtol(radius_text.c_str(), &end, 10);
    if (radius_text.empty() || *end != '\0' || radius < 1 || radius > 64) throw bad("bad radius '" + radius_text + "'");
    const double amount = unit(step.substr(comma + 1));
    if (kind == "lines") f.line_radius = int(radius), f.line_contrast = amount;
    else if (kind == "guided") f.radius = int(radius), f.eps = amount;
    else throw bad("unknown step '" + kind + "'");
  }
  return f;
}

}  // namespace cartoonize::train
