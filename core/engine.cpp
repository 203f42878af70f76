#include "engine.h"

#include <torch/torch.h>

#ifdef CARTOONIZE_WITH_CUDA
#include <c10/cuda/CUDAStream.h>

#include "cuda/packed_convert.h"
#endif

#include "error.h"
#include "image_model.h"
#include "tensor_image.h"

namespace cartoonize {

struct Engine::Impl {
  std::unique_ptr<ImageModel> model;
  torch::Device device{torch::kCPU};
  std::string device_name = "cpu";
};

Engine::Engine() : impl_(std::make_unique<Impl>()) {}
Engine::~Engine() = default;

bool cuda_available() {
#ifdef CARTOONIZE_WITH_CUDA
  try {
    return torch::cuda::is_available();
  } catch (const std::exception&) {
    return false;
  }
#else
  return false;
#endif
}

void set_cpu_threads(int threads) {
  if (threads > 0) torch::set_num_threads(threads);
}

std::unique_ptr<Engine> Engine::create(const EngineOptions& options) {
  std::unique_ptr<Engine> engine(new Engine());
  Impl& s = *engine->impl_;
  const bool have_cuda = cuda_available();
  if (options.device == DeviceChoice::Cuda && !have_cuda) {
#ifdef CARTOONIZE_WITH_CUDA
    throw Error("device=cuda was requested but no CUDA device is available on this machine");
#else
    throw Error("device=cuda was requested but this build has no CUDA support (LibTorch without CUDA or nvcc missing)");
#endif
  }
  const bool use_cuda = options.device != DeviceChoice::Cpu && have_cuda;
  s.model = load_image_model(options.model_path, options.normalization);
  try {
    if (use_cuda) {
      s.device = torch::Device(torch::kCUDA, 0);
      s.model->to(s.device, torch::kFloat);
      s.device_name = "cuda:0";
    }
  } catch (const std::exception& e) {
    throw Error(std::string("cannot move the model to CUDA: ") + e.what());
  }
  return engine;
}

const ModelInfo& Engine::model_info() const { return impl_->model->info(); }
bool Engine::on_cuda() const { return impl_->device.is_cuda(); }
std::string Engine::device_name() const { return impl_->device_name; }

namespace {

void check_view(const ImageView& image) {
  if (!image.data || image.width <= 0 || image.height <= 0 ||
      image.stride < std::ptrdiff_t(image.width) * bytes_per_pixel(image.layout))
    throw Error("invalid frame: " + std::to_string(image.width) + "x" + std::to_string(image.height) + " stride " +
                std::to_string(image.stride));
}

void run_cpu(ImageModel& model, const ImageView& image, float strength) {
  const Normalization n = model.info().normalization;
  torch::Tensor in = packed_to_rgb(image);
  torch::Tensor cartoon = from_model_range(model.forward(to_model_range(in, n)), n);
  rgb_to_packed(strength >= 1.f ? cartoon : in + strength * (cartoon - in), image);
}

#ifdef CARTOONIZE_WITH_CUDA
void check_cuda(int err, const char* what) {
  if (err != 0) throw Error(std::string("CUDA kernel failed: ") + what + " (error " + std::to_string(err) + ")");
}

// One upload of the packed bytes, conversion and blending in CUDA kernels,
// one download: the frame crosses the bus twice as bytes, never as floats.
void run_cuda(ImageModel& model, torch::Device device, const ImageView& image, float strength) {
  const Normalization n = model.info().normalization;
  const float scale = n == Normalization::ZeroOne ? 1.f / 255.f : 1.f / 127.5f;
  const float offset = n == Normalization::ZeroOne ? 0.f : -1.f;
  const int bpp = bytes_per_pixel(image.layout);
  const bool bgr = is_bgr_order(image.layout);
  const int64_t row_bytes = int64_t(image.width) * bpp;
  auto host = torch::from_blob(image.data, {image.height, row_bytes}, {image.stride, 1}, torch::kUInt8);
  torch::Tensor frame = host.to(device);  // contiguous rows of row_bytes on the GPU
  void* stream = c10::cuda::getCurrentCUDAStream(device.index()).stream();
  torch::Tensor x = torch::empty({1, 3, image.height, image.width}, torch::dtype(torch::kFloat).device(device));
  check_cuda(cuda::packed_to_planar(frame.data_ptr<uint8_t>(), image.width, image.height, row_bytes, bpp, bgr,
                                    scale, offset, x.data_ptr<float>(), stream),
             "packed_to_planar");
  torch::Tensor y = model.forward(x).to(torch::kFloat).contiguous();
  check_cuda(cuda::planar_blend_to_packed(y.data_ptr<float>(), image.width, image.height, 1.f / scale,
                                          -offset / scale, strength, frame.data_ptr<uint8_t>(), row_bytes, bpp,
                                          bgr, stream),
             "planar_blend_to_packed");
  host.copy_(frame);
}
#endif

// Runs `fn` under InferenceMode; LibTorch's exceptions leave as Error.
template <typename F>
void run_inference(F&& fn) {
  try {
    c10::InferenceMode guard;
    fn();
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    std::string msg = e.what();
    throw Error("inference failed: " + msg.substr(0, msg.find('\n')));
  }
}

}  // namespace

void Engine::cartoonize_frame(const ImageView& image, float strength) {
  check_view(image);
  if (strength <= 0.f) return;
  strength = std::min(strength, 1.f);
  run_inference([&] {
#ifdef CARTOONIZE_WITH_CUDA
    if (impl_->device.is_cuda()) return run_cuda(*impl_->model, impl_->device, image, strength);
#endif
    run_cpu(*impl_->model, image, strength);
  });
}

void Engine::cartoonize_batch(const std::vector<ImageView>& images) {
  if (images.empty()) return;
  for (const auto& im : images) {
    check_view(im);
    if (im.width != images[0].width || im.height != images[0].height)
      throw Error("cartoonize_batch: all images must have the same size");
  }
  run_inference([&] {
    ImageModel& model = *impl_->model;
    const Normalization n = model.info().normalization;
    std::vector<torch::Tensor> inputs;
    inputs.reserve(images.size());
    for (const auto& im : images) inputs.push_back(packed_to_rgb(im));
    torch::Tensor x = to_model_range(torch::cat(inputs), n).to(impl_->device);
    torch::Tensor y = from_model_range(model.forward(x), n).to(torch::kCPU);
    for (size_t i = 0; i < images.size(); ++i) rgb_to_packed(y.narrow(0, int64_t(i), 1), images[i]);
  });
}

}  // namespace cartoonize
