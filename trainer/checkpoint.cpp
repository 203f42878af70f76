#include "checkpoint.h"

#include <atomic>
#include <csignal>

#include "atomic_file.h"
#include "error.h"

namespace cartoonize::train {
namespace {
std::atomic<bool> g_stop{false};
extern "C" void on_signal(int) { g_stop = true; }

torch::Tensor scalar_i64(int64_t v) { return torch::tensor(v, torch::kInt64); }
}  // namespace

void install_stop_handlers() {
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
}

bool stop_requested() { return g_stop.load(); }

void save_checkpoint(const std::string& path, Generator& generator, torch::optim::Optimizer& optimizer,
                     const CheckpointState& state) {
  torch::serialize::OutputArchive archive;
  torch::serialize::OutputArchive g_archive, opt_archive;
  generator->save(g_archive);
  optimizer.save(opt_archive);
  archive.write("generator", g_archive);
  archive.write("optimizer", opt_archive);
  archive.write("iteration", scalar_i64(state.iteration));
  archive.write("seconds", torch::tensor(state.seconds, torch::kFloat64));
  archive.write("width", scalar_i64(generator->config().width));
  archive.write("res_blocks", scalar_i64(generator->config().res_blocks));
  write_file_atomically(path, [&](std::ostream& out) { archive.save_to(out); });
}

CheckpointState load_checkpoint(const std::string& path, Generator& generator, torch::optim::Optimizer* optimizer) {
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(path);
    torch::serialize::InputArchive g_archive;
    archive.read("generator", g_archive);
    generator->load(g_archive);
    if (optimizer) {
      torch::serialize::InputArchive opt_archive;
      archive.read("optimizer", opt_archive);
      optimizer->load(opt_archive);
    }
    torch::Tensor it, sec;
    archive.read("iteration", it);
    archive.read("seconds", sec);
    return CheckpointState{it.item<int64_t>(), sec.item<double>()};
  } catch (const c10::Error& e) {
    std::string msg = e.what();
    throw Error("cannot load checkpoint " + path + ": " + msg.substr(0, msg.find('\n')));
  }
}

GeneratorConfig checkpoint_generator_config(const std::string& path) {
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(path);
    torch::Tensor w, r;
    archive.read("width", w);
    archive.read("res_blocks", r);
    return GeneratorConfig{int(w.item<int64_t>()), int(r.item<int64_t>())};
  } catch (const c10::Error& e) {
    std::string msg = e.what();
    throw Error("cannot read checkpoint " + path + ": " + msg.substr(0, msg.find('\n')));
  }
}

}  // namespace cartoonize::train
