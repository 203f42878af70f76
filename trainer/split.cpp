#include "split.h"

#include <cstdio>
#include <filesystem>

namespace cartoonize::train {

uint64_t fnv1a(const std::string& s, uint64_t h) {
  for (char c : s) h = (h ^ uint8_t(c)) * 1099511628211ull;
  return h;
}

bool held_out(const std::string& path, int percent) {
  return int(fnv1a(std::filesystem::path(path).filename().string()) % 100) < percent;
}

std::vector<std::string> evenly_spaced(const std::vector<std::string>& files, int max_count) {
  if (max_count <= 0 || files.size() <= size_t(max_count)) return files;
  std::vector<std::string> out;
  for (int i = 0; i < max_count; ++i) out.push_back(files[size_t(double(i) * double(files.size()) / max_count)]);
  return out;
}

std::string file_list_key(const std::string& salt, std::initializer_list<const std::vector<std::string>*> lists) {
  uint64_t h = fnv1a(salt);
  for (const auto* list : lists) {
    h = fnv1a("|", h);
    for (const auto& f : *list) {
      std::error_code ec;
      const auto size = std::filesystem::file_size(f, ec);
      h = fnv1a(f + ":" + std::to_string(ec ? 0 : size) + "\n", h);
    }
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", (unsigned long long)h);
  return hex;
}

}  // namespace cartoonize::train
