#include "split.h"

#include <filesystem>

namespace cartoonize::train {

uint64_t fnv1a(const std::string& s, uint64_t h) {
  for (char c : s) h = (h ^ uint8_t(c)) * 1099511628211ull;
  return h;
}

bool held_out(const std::string& path, int percent) {
  return int(fnv1a(std::filesystem::path(path).filename().string()) % 100) < percent;
}

}  // namespace cartoonize::train
