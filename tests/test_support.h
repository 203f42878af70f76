// Helpers shared by the tests: where the real data is, temporary files, and
// small model files made with the project's own writer.
#pragma once
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

namespace cartoonize::testing {

inline std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return (v && *v) ? v : fallback;
}

// ../shared/data beside the checkout (meson test sets CARTOONIZE_SHARED_DATA).
inline std::string shared_data(const std::string& rel = "") {
  std::string root = env_or("CARTOONIZE_SHARED_DATA", "../shared/data");
  return rel.empty() ? root : root + "/" + rel;
}

// The same folder as a path, checked: tests that cannot run without the real
// data fail loudly instead of skipping.
inline std::filesystem::path shared_data_dir() {
  const std::filesystem::path dir = shared_data();
  if (!std::filesystem::is_directory(dir))
    throw std::runtime_error("shared data folder " + dir.string() + " not found (set CARTOONIZE_SHARED_DATA)");
  return dir;
}

// The model the element uses by default (the default style's file).
inline std::string default_model() { return env_or("CARTOONIZE_DEFAULT_MODEL", "models/styles/anime.ctzm"); }

// The model numeric bounds were measured on (`ink`, the default style until
// anime and toon shipped): suites whose bounds depend on what the model draws
// use it, so a new default style does not move them.
inline std::string reference_model() { return env_or("CARTOONIZE_REFERENCE_MODEL", "models/styles/ink.ctzm"); }

// A fresh folder under the system temp dir, removed when the object dies.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "cartoonize-test-XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace cartoonize::testing
