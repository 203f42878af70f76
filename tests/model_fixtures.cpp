#include "model_fixtures.h"

#include <fstream>
#include <sstream>

namespace cartoonize::testing {

Generator write_random_model(const std::string& path, GeneratorConfig config, bool half, uint64_t seed) {
  torch::manual_seed(seed);
  Generator g(config);
  ModelInfo info;
  info.provenance_json = "{\"test\": true}";
  save_model_file(path, g, info, half);
  g->eval();
  return g;
}

void write_script_model(const std::string& path, const std::string& body, const std::string& meta) {
  torch::jit::Module m("TestModel");
  m.define("def forward(self, x):\n    return " + body + "\n");
  torch::jit::ExtraFilesMap extra;
  if (!meta.empty()) extra["cartoonize.txt"] = meta;
  m.save(path, extra);
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), std::streamsize(bytes.size()));
}

}  // namespace cartoonize::testing
