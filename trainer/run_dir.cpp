#include "run_dir.h"

#include <cerrno>
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

std::string photo_folder(const std::string& data) {
  std::error_code ec;
  return fs::is_directory(data + "/photo", ec) ? data + "/photo" : data;
}

std::string training_photo_folder(const std::string& data) {
  std::error_code ec;
  const std::string photos = photo_folder(data);
  return fs::is_directory(photos + "/train", ec) ? photos + "/train" : photos;
}

}  // namespace cartoonize::train
