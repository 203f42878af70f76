// Where and in what precision a stage trains: CUDA when present, with bf16
// autocast (no loss scaling needed, unlike fp16) and channels_last
// activations when the GPU runs them; plain fp32 on the CPU.
#pragma once
#include <string>

#include <torch/torch.h>

namespace cartoonize::train {

struct TrainDevice {
  torch::Device device{torch::kCPU};
  bool bf16_autocast = false;
  bool channels_last = false;
  std::string describe() const;  // e.g. "CUDA, bf16 autocast, channels_last"
};

// precision: "auto" (bf16 on a GPU that runs it, else fp32), "fp32" or "bf16"
// (CUDA only); channels_last: "auto" (on CUDA), "on" or "off". Throws Error
// for a choice the machine cannot honour.
TrainDevice choose_train_device(const std::string& precision, const std::string& channels_last);

// Moves a module's parameters and buffers to the device, 4-D weights in
// channels_last when asked.
void place_module(torch::nn::Module& module, const TrainDevice& d);
// Moves Adam's moments (loaded from a checkpoint on the CPU) next to the
// parameters they belong to.
void place_adam(torch::optim::Adam& opt, const TrainDevice& d);
// A batch on the device, in channels_last when asked.
torch::Tensor place_batch(const torch::Tensor& x, const TrainDevice& d);

// Enables CUDA autocast for one step when the device asks for it.
class AutocastScope {
 public:
  explicit AutocastScope(const TrainDevice& d);
  ~AutocastScope();
  AutocastScope(const AutocastScope&) = delete;
  AutocastScope& operator=(const AutocastScope&) = delete;

 private:
  bool active_;
};

}  // namespace cartoonize::train
