#include "image_model.h"

#include <sstream>

#include <torch/script.h>  // torch::jit::load (not in torch/torch.h)

#include "error.h"
#include "model_file.h"
#include "pickle_scan.h"

namespace cartoonize {
namespace {

class NativeImageModel : public ImageModel {
 public:
  explicit NativeImageModel(NativeModel m) : generator_(std::move(m.generator)) {
    info_ = m.info;
    // Filters in channels-last order, as the activations run (run_model01):
    // oneDNN and cuDNN then convolve without reordering either per call.
    torch::NoGradGuard no_grad;
    for (auto& p : generator_->parameters())
      if (p.dim() == 4) p.set_data(p.contiguous(torch::MemoryFormat::ChannelsLast));
  }
  torch::Tensor forward(const torch::Tensor& x) override { return generator_->forward(x); }
  void to(torch::Device device, torch::Dtype dtype) override { generator_->to(device, dtype); }

 private:
  Generator generator_;
};

class ScriptImageModel : public ImageModel {
 public:
  ScriptImageModel(torch::jit::Module m, ModelInfo info) : module_(std::move(m)) { info_ = std::move(info); }
  torch::Tensor forward(const torch::Tensor& x) override {
    auto out = module_.forward({x});
    if (!out.isTensor()) throw Error("TorchScript model returned a " + out.tagKind() + ", not a tensor");
    return out.toTensor();
  }
  void to(torch::Device device, torch::Dtype dtype) override { module_.to(device, dtype); }

 private:
  torch::jit::Module module_;
};

std::unique_ptr<ImageModel> load_script(const std::string& path, std::optional<Normalization> normalization) {
  torch::jit::ExtraFilesMap extra{{"cartoonize.txt", ""}};
  torch::jit::Module module;
  // LibTorch trusts the lengths inside the archive and allocates them before
  // reading: the zip directory's sizes, then each pickle's string lengths and
  // memo indices, are checked against the file first (docs/reliability.md).
  check_zip_sizes(path);
  check_pickle_records(path);
  try {
    // No debug files: the *.debug_pkl source ranges only decorate error
    // messages, and LibTorch indexes into them unchecked (a fuzzed file
    // crashed SourceRangeDeserializer while reporting a parse error).
    module = torch::jit::load(path, torch::kCPU, extra, /*load_debug_files=*/false);
  } catch (const std::exception& e) {
    std::string msg = e.what();
    throw Error("model file " + path + ": not a loadable TorchScript module: " + msg.substr(0, msg.find('\n')));
  }
  module.eval();
  ModelInfo info;
  info.format = ModelFormat::TorchScript;
  info.architecture = "torchscript";
  std::optional<Normalization> declared;
  std::istringstream meta(extra["cartoonize.txt"]);
  std::string key, value;
  while (meta >> key >> value) {
    if (key == "normalization") declared = parse_normalization(value);
    if (key == "input_size") {  // bounded like a .ctzm's: face crops are made at this size
      char* end = nullptr;
      const long v = std::strtol(value.c_str(), &end, 10);
      if (*end || v < kMinInputSize || v > kMaxInputSize)
        throw Error("model file " + path + ": cartoonize.txt input_size '" + value + "' is not in " +
                    std::to_string(kMinInputSize) + ".." + std::to_string(kMaxInputSize));
      info.input_size = int(v);
    }
  }
  if (normalization) declared = normalization;
  if (!declared)
    throw Error("model file " + path +
                ": TorchScript module declares no input range; set the element's input-range property or add "
                "cartoonize.txt ('normalization minus_one_one|zero_one') as an extra file when exporting");
  info.normalization = *declared;
  auto model = std::make_unique<ScriptImageModel>(std::move(module), info);
  // Check the contract once: 3 channels in, same-sized 3 channels out.
  torch::NoGradGuard no_grad;
  torch::Tensor probe = torch::zeros({1, 3, 64, 64});
  torch::Tensor out;
  try {
    out = model->forward(probe);
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    std::string msg = e.what();
    throw Error("model file " + path + ": TorchScript module fails on a 1x3x64x64 input: " +
                msg.substr(0, msg.find('\n')));
  }
  if (out.sizes() != probe.sizes())
    throw Error("model file " + path + ": TorchScript module maps 1x3x64x64 to " + c10::str(out.sizes()) +
                "; an image-to-image model must keep the shape");
  return model;
}

}  // namespace

std::unique_ptr<ImageModel> load_image_model(const std::string& path, std::optional<Normalization> normalization) {
  try {
    if (is_zip_file(path)) return load_script(path, normalization);
    // Native files carry their own range; `normalization` is for TorchScript.
    return std::make_unique<NativeImageModel>(load_model_file(path));
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {  // c10::Error and friends never leave core
    throw Error("model file " + path + ": " + e.what());
  }
}

}  // namespace cartoonize
