// cartoonize-train: builds the models the cartoonize element loads.
#include <cstdio>
#include <exception>
#include <map>
#include <string>
#include <vector>

#include <c10/util/Exception.h>

#include "commands.h"
#include "error.h"

namespace {

using Command = int (*)(const std::vector<std::string>&);

const std::map<std::string, std::pair<Command, const char*>>& commands() {
  static const std::map<std::string, std::pair<Command, const char*>> table = {
#ifdef CARTOONIZE_TRAINER_FULL
      {"prepare", {cartoonize::train::cmd_prepare, "detect, landmark and align faces into a training data set"}},
      {"pack", {cartoonize::train::cmd_pack, "write folders of images as one image pack (.ctzp) for training anywhere"}},
      {"eval", {cartoonize::train::cmd_eval, "face metrics, cartoon score and warping error of a model or baseline"}},
      {"test", {cartoonize::train::cmd_test, "run a snapshot on held-out photos: outputs, grid, metrics"}},
      {"bench", {cartoonize::train::cmd_bench, "time a training step and each of its parts"}},
#endif
      {"pretrain", {cartoonize::train::cmd_pretrain, "reconstruction pre-training of the generator"}},
      {"train", {cartoonize::train::cmd_train, "GAN training: surface, texture, structure, content, landmark losses"}},
      {"distill", {cartoonize::train::cmd_distill, "train a smaller, faster student generator from a teacher model"}},
      {"export", {cartoonize::train::cmd_export, "write a checkpoint as the element's model file"}},
  };
  return table;
}

// One line for any error: LibTorch's c10::Error carries a C++ backtrace after
// its message, which tells a user nothing; only its first line is kept.
// Errors that already start with "CMD: " (Args's) are not prefixed twice.
std::string one_line(const char* what, const std::string& command) {
  std::string s = what;
  s = s.substr(0, s.find('\n'));
  return s.rfind(command + ": ", 0) == 0 ? s.substr(command.size() + 2) : s;
}

void usage() {
  std::printf("usage: cartoonize-train COMMAND [options]   (COMMAND --help for its options)\n\ncommands:\n");
  for (const auto& [name, cmd] : commands()) std::printf("  %-10s %s\n", name.c_str(), cmd.second);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") {
    usage();
    return argc < 2 ? 2 : 0;
  }
  auto it = commands().find(argv[1]);
  if (it == commands().end()) {
    std::fprintf(stderr, "cartoonize-train: unknown command '%s'\n", argv[1]);
    usage();
    return 2;
  }
  try {
    return it->second.first(std::vector<std::string>(argv + 2, argv + argc));
  } catch (const c10::Error& e) {
    std::fprintf(stderr, "cartoonize-train %s: %s\n", argv[1], one_line(e.what_without_backtrace(), argv[1]).c_str());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cartoonize-train %s: %s\n", argv[1], one_line(e.what(), argv[1]).c_str());
    return 1;
  } catch (...) {
    std::fprintf(stderr, "cartoonize-train %s: unknown error\n", argv[1]);
    return 1;
  }
}
