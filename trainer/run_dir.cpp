#include "run_dir.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "error.h"

namespace cartoonize::train {

namespace fs = std::filesystem;

RunDir::RunDir(std::string p) : path(std::move(p)) {
  std::error_code ec;
  fs::create_directories(path, ec);
  if (ec) throw Error("cannot create run folder " + path + ": " + ec.message());
}

void RunDir::record_command(const std::string& stage, const std::vector<std::string>& args) const {
  std::ofstream out(path + "/commands.log", std::ios::app);
  std::time_t now = std::time(nullptr);
  char when[32];
  std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  out << when << " " << stage;
  for (const auto& a : args) out << " " << a;
  out << "\n";
  out.flush();
  if (!out) throw Error("cannot append to " + path + "/commands.log: " + std::strerror(errno));
}

std::string RunDir::commands() const {
  std::ifstream in(path + "/commands.log");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string snapshot_for(const RunDir& run, const std::string& version) {
  if (version == "latest") return run.checkpoint("train");
  const std::string path = run.path + "/train-v" + version + ".ckpt";
  if (!fs::exists(path)) throw Error("no snapshot " + path + " (see the run folder for the versions kept)");
  return path;
}

std::string default_model_file() {
  const char* env = std::getenv("CARTOONIZE_DEFAULT_MODEL");
  if (env && *env) return env;
  const char* styles = std::getenv("CARTOONIZE_STYLE_DIR");  // meson devenv sets it
  return (styles && *styles ? std::string(styles) : std::string("models/styles")) + "/anime.ctzm";
}

std::string photo_folder(const std::string& data) {
  std::error_code ec;
  return fs::is_directory(data + "/photo", ec) ? data + "/photo" : data;
}

std::string training_photo_folder(const std::string& data) {
  std::error_code ec;
  const std::string photos = photo_folder(data);
  return fs::is_directory(photos + "/train", ec) ? photos + "/train" : photos;
}

std::vector<std::string> training_sources(const std::string& data, const std::vector<std::string>& given,
                                          const std::string& what) {
  if (!given.empty()) return given;
  if (data.empty()) throw Error("no " + what + " to train on: pass --data DIR (a prepared folder) or --" + what +
                                " PACK.ctzp,...");
  return {what == "photos" ? training_photo_folder(data) : data + "/cartoon"};
}

}  // namespace cartoonize::train
