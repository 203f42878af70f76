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

[[noreturn]] void rethrow(const std::string& what, const std::string& path, const std::exception& e) {
  std::string msg = e.what();
  throw Error(what + " " + path + ": " + msg.substr(0, msg.find('\n')));
}
}  // namespace

void install_stop_handlers() {
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
}

bool stop_requested() { return g_stop.load(); }

void save_checkpoint(const std::string& path, const CheckpointParts& parts, const CheckpointState& state) {
  torch::serialize::OutputArchive archive;
  auto write_module = [&](const std::string& name, torch::nn::Module& m) {
    torch::serialize::OutputArchive sub;
    m.save(sub);
    archive.write(name, sub);
  };
  write_module("generator", *parts.generator.ptr());
  for (const auto& [name, m] : parts.modules) write_module(name, *m);
  for (const auto& [name, opt] : parts.optimizers) {
    torch::serialize::OutputArchive sub;
    opt->save(sub);
    archive.write("optimizer." + name, sub);
  }
  archive.write("iteration", scalar_i64(state.iteration));
  archive.write("seconds", torch::tensor(state.seconds, torch::kFloat64));
  archive.write("width", scalar_i64(parts.generator->config().width));
  archive.write("res_blocks", scalar_i64(parts.generator->config().res_blocks));
  write_file_atomically(path, [&](std::ostream& out) { archive.save_to(out); });
}

CheckpointState load_checkpoint(const std::string& path, const CheckpointParts& parts) {
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(path);
    auto read_module = [&](const std::string& name, torch::nn::Module& m) {
      torch::serialize::InputArchive sub;
      archive.read(name, sub);
      m.load(sub);
    };
    read_module("generator", *parts.generator.ptr());
    for (const auto& [name, m] : parts.modules) read_module(name, *m);
    for (const auto& [name, opt] : parts.optimizers) {
      torch::serialize::InputArchive sub;
      // Checkpoints of the first pretrain format kept their one optimiser
      // under "optimizer"; they still resume.
      if (!archive.try_read("optimizer." + name, sub) &&
          !(parts.optimizers.size() == 1 && archive.try_read("optimizer", sub)))
        throw Error("checkpoint " + path + " has no state for optimiser '" + name + "'");
      opt->load(sub);
    }
    torch::Tensor it, sec;
    archive.read("iteration", it);
    archive.read("seconds", sec);
    return CheckpointState{it.item<int64_t>(), sec.item<double>()};
  } catch (const c10::Error& e) {
    rethrow("cannot load checkpoint", path, e);
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
    rethrow("cannot read checkpoint", path, e);
  }
}

void set_learning_rate(torch::optim::Adam& opt, double lr) {
  for (auto& group : opt.param_groups()) static_cast<torch::optim::AdamOptions&>(group.options()).lr(lr);
}

}  // namespace cartoonize::train
