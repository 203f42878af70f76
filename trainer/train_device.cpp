#include "train_device.h"

#include <ATen/autocast_mode.h>

#include "error.h"

namespace cartoonize::train {
namespace {

// Older GPUs lack bf16 convolutions; a tiny probe tells without parsing
// compute capabilities.
bool cuda_runs_bf16() {
  try {
    auto x = torch::randn({1, 3, 8, 8}, torch::dtype(torch::kBFloat16).device(torch::kCUDA));
    auto w = torch::randn({4, 3, 3, 3}, x.options());
    torch::conv2d(x, w).sum().item<float>();
    return true;
  } catch (const c10::Error&) {
    return false;
  }
}

}  // namespace

std::string TrainDevice::describe() const {
  std::string s = device.is_cuda() ? "CUDA" : "CPU";
  s += bf16_autocast ? ", bf16 autocast" : ", fp32";
  if (channels_last) s += ", channels_last";
  return s;
}

TrainDevice choose_train_device(const std::string& precision, const std::string& channels_last) {
  TrainDevice d;
  const bool cuda = torch::cuda::is_available();
  if (cuda) d.device = torch::Device(torch::kCUDA);
  if (precision == "bf16") {
    if (!cuda) throw Error("--precision bf16 needs a CUDA GPU; this machine has none (use fp32 or auto)");
    if (!cuda_runs_bf16()) throw Error("--precision bf16: this GPU does not run bf16 convolutions (use fp32)");
    d.bf16_autocast = true;
  } else if (precision == "auto") {
    d.bf16_autocast = cuda && cuda_runs_bf16();
  } else if (precision != "fp32") {
    throw Error("--precision must be auto, fp32 or bf16, not '" + precision + "'");
  }
  if (channels_last == "on") d.channels_last = true;
  else if (channels_last == "auto") d.channels_last = cuda;
  else if (channels_last != "off") throw Error("--channels-last must be auto, on or off, not '" + channels_last + "'");
  return d;
}

void place_module(torch::nn::Module& module, const TrainDevice& d) {
  module.to(d.device);
  if (!d.channels_last) return;
  torch::NoGradGuard ng;
  for (auto& p : module.parameters())
    if (p.dim() == 4) p.set_data(p.data().contiguous(torch::MemoryFormat::ChannelsLast));
}

void place_adam(torch::optim::Adam& opt, const TrainDevice& d) {
  for (auto& entry : opt.state()) {
    auto& st = static_cast<torch::optim::AdamParamState&>(*entry.second);
    st.exp_avg(st.exp_avg().to(d.device));
    st.exp_avg_sq(st.exp_avg_sq().to(d.device));
    if (st.max_exp_avg_sq().defined()) st.max_exp_avg_sq(st.max_exp_avg_sq().to(d.device));
  }
}

torch::Tensor place_batch(const torch::Tensor& x, const TrainDevice& d) {
  torch::Tensor y = x.to(d.device, /*non_blocking=*/true);
  return d.channels_last && y.dim() == 4 ? y.contiguous(torch::MemoryFormat::ChannelsLast) : y;
}

AutocastScope::AutocastScope(const TrainDevice& d) : active_(d.bf16_autocast) {
  if (!active_) return;
  at::autocast::set_autocast_dtype(at::kCUDA, at::kBFloat16);
  at::autocast::set_autocast_enabled(at::kCUDA, true);
}

AutocastScope::~AutocastScope() {
  if (!active_) return;
  at::autocast::set_autocast_enabled(at::kCUDA, false);
  at::autocast::clear_cache();
}

}  // namespace cartoonize::train
