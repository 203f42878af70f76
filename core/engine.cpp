#include "engine.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <sstream>
#include <vector>

#include <torch/torch.h>

#ifdef CARTOONIZE_WITH_CUDA
#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>

#include "cuda/packed_convert.h"
#endif

#include "engine_state.h"
#include "error.h"
#include "guided_upsample.h"
#include "output_filter.h"
#include "image_model.h"
#include "tensor_image.h"

namespace cartoonize {

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
  if (options.inference_size < 0) throw Error("inference size must be >= 0 (0: full resolution)");
  s.inference_size = options.inference_size;
  s.warn = options.on_warning ? options.on_warning
                              : [](const std::string& m) { std::fprintf(stderr, "cartoonize: %s\n", m.c_str()); };
  // The file first: a missing or bad model is named as such even when the
  // device asked for is missing too.
  s.model = load_image_model(options.model_path, options.normalization);
  s.face_filter = options.output_filter.value_or(s.model->info().output_filter);
  const OutputFilter& f = s.face_filter;
  if (f.radius < 0 || f.line_radius < 0 || !(f.eps >= 0) || !(f.line_contrast >= 0) || !(f.color >= 0))
    throw Error("output filter: radii, eps, contrast and colour share must be >= 0");
  const bool have_cuda = cuda_available();
  if (options.device == DeviceChoice::Cuda && !have_cuda) {
#ifdef CARTOONIZE_WITH_CUDA
    throw Error("device=cuda was requested but no CUDA device is available on this machine");
#else
    throw Error("device=cuda was requested but this build has no CUDA support (LibTorch without CUDA or nvcc missing)");
#endif
  }
  const bool use_cuda = options.device != DeviceChoice::Cpu && have_cuda;
#ifdef CARTOONIZE_WITH_CUDA
  try {
    if (use_cuda) {
      s.device = torch::Device(torch::kCUDA, 0);
      s.dtype = options.half ? torch::kHalf : torch::kFloat;
      s.model->to(s.device, s.dtype);
      s.device_name = std::string("cuda:0 (") + at::cuda::getDeviceProperties(0)->name + ")";
      s.stream = c10::cuda::getStreamFromPool(/*isHighPriority=*/false, s.device.index());
      // Frame sizes repeat in a stream: let cuDNN pick the fastest kernels once per size.
      at::globalContext().setBenchmarkCuDNN(true);
      if (options.cuda_graphs) s.graphed = std::make_unique<GraphedForward>(s.warn);
    }
  } catch (const std::exception& e) {
    std::string msg = e.what();
    throw Error("cannot move the model to CUDA: " + msg.substr(0, msg.find('\n')));
  }
#else
  (void)use_cuda;
#endif
  return engine;
}

const ModelInfo& Engine::model_info() const { return impl_->model->info(); }
bool Engine::on_cuda() const { return impl_->device.is_cuda(); }
int Engine::cuda_device() const { return impl_->device.is_cuda() ? impl_->device.index() : -1; }
std::string Engine::device_name() const { return impl_->device_name; }
int Engine::inference_size() const { return impl_->inference_size; }
bool Engine::half() const { return impl_->dtype == torch::kHalf; }

int64_t Engine::cuda_graph_replays() const {
#ifdef CARTOONIZE_WITH_CUDA
  if (impl_->graphed) return impl_->graphed->replays();
#endif
  return 0;
}

void check_view(const ImageView& image) {
  if (!image.data || image.width <= 0 || image.height <= 0 ||
      image.stride < std::ptrdiff_t(image.width) * bytes_per_pixel(image.layout))
    throw Error("invalid frame: " + std::to_string(image.width) + "x" + std::to_string(image.height) + " stride " +
                std::to_string(image.stride));
}

namespace {

// A model that passed the load-time probe may still return another shape for
// a real frame (TorchScript can do anything); the CUDA blend kernel and the
// packing would read past its buffer, so refuse it here.
torch::Tensor checked_output(const torch::Tensor& y, const torch::Tensor& x) {
  if (y.sizes() != x.sizes()) {
    std::ostringstream msg;
    msg << "the model returned a " << y.sizes() << " tensor for a " << x.sizes()
        << " input; a cartoonize model must keep its input's shape";
    throw Error(msg.str());
  }
  return y;
}

// Full-resolution rows of a frame per band: the floats of one band (its
// guide, upsampled A and b, result) take about 4 x 12 bytes x kBandPixels,
// whatever the frame's size (8K included); a 1920x1080 frame is one band.
constexpr int64_t kBandPixels = int64_t(1) << 21;

ImageView rows_of(const ImageView& image, int64_t y0, int64_t rows) {
  ImageView band = image;
  band.data += y0 * image.stride;
  band.height = int(rows);
  return band;
}

// The frame (bytes on the engine's device) scaled once to h x w, in [0, 1]:
// band by band across, then down, so the full-resolution frame is never held
// in floats (resize_to is separable; a frame of one band is resized whole).
torch::Tensor shrunk_frame01(EngineState& s, const ImageView& image, int64_t band, int64_t h, int64_t w) {
  if (image.height <= band) return resize_to(frame_to_planar01(s, image), h, w);
  std::vector<torch::Tensor> across;
  for (int64_t y0 = 0; y0 < image.height; y0 += band) {
    const int64_t rows = std::min<int64_t>(band, image.height - y0);
    across.push_back(resize_to(frame_to_planar01(s, rows_of(image, y0, rows)), rows, w));
  }
  return resize_to(torch::cat(across, 2), h, w);
}

// Frame mode on a frame in the engine's device memory: the generator at the
// run size (inference-size's long side, at most max_pixels), the frame
// scaled down to it once, and the cartoon brought back to full resolution by
// fast guided upsampling, band by band, each band blended into the frame.
void cartoonize_frame_on(EngineState& s, const ImageView& image, float strength, int64_t max_pixels) {
  const auto [rh, rw] = frame_run_size(s, image.height, image.width, max_pixels);
  if (rh == image.height && rw == image.width)
    return blend_into_frame(s, run_model01(s, frame_to_planar01(s, image), /*graphed=*/true), image, strength);
  const int64_t band = std::max<int64_t>(1, kBandPixels / image.width);
  const torch::Tensor x_lo = shrunk_frame01(s, image, band, rh, rw);
  const GuidedUpsampleOptions guided;
  const auto [a, b] = guided_coefficients(x_lo, run_model01(s, x_lo, /*graphed=*/true), guided.radius, guided.eps);
  for (int64_t y0 = 0; y0 < image.height; y0 += band) {
    const ImageView rows = rows_of(image, y0, std::min<int64_t>(band, image.height - y0));
    blend_into_frame(s, guided_rows(a, b, frame_to_planar01(s, rows), y0, image.height), rows, strength);
  }
}

#ifdef CARTOONIZE_WITH_CUDA
void check_cuda(int err, const char* what) {
  if (err != 0) throw Error(std::string("CUDA kernel failed: ") + what + " (error " + std::to_string(err) + ")");
}

// One upload of the packed bytes through a pinned buffer, conversion,
// generator, guided upsampling and blending on the GPU on the engine's own
// stream, one download: the frame crosses the bus twice as bytes, never as
// floats.
void run_cuda(EngineState& s, const ImageView& image, float strength, int64_t max_pixels) {
  const int64_t row_bytes = int64_t(image.width) * bytes_per_pixel(image.layout);
  const int64_t bytes = row_bytes * image.height;
  if (!s.pinned.defined() || s.pinned.numel() < bytes) {
    s.pinned = torch::empty({bytes}, torch::dtype(torch::kUInt8).pinned_memory(true));
    s.frame_bytes = torch::empty({bytes}, torch::dtype(torch::kUInt8).device(s.device));
  }
  uint8_t* staging = s.pinned.data_ptr<uint8_t>();
  auto rows = [&](bool to_frame) {  // frames may pad their rows; the staging buffer does not
    if (image.stride == row_bytes) {
      to_frame ? std::memcpy(image.data, staging, size_t(bytes)) : std::memcpy(staging, image.data, size_t(bytes));
      return;
    }
    for (int y = 0; y < image.height; ++y) {
      uint8_t* frame_row = image.data + y * image.stride;
      uint8_t* staged_row = staging + y * row_bytes;
      to_frame ? std::memcpy(frame_row, staged_row, size_t(row_bytes))
               : std::memcpy(staged_row, frame_row, size_t(row_bytes));
    }
  };
  rows(false);
  torch::Tensor host = s.pinned.narrow(0, 0, bytes), dev = s.frame_bytes.narrow(0, 0, bytes);
  dev.copy_(host, /*non_blocking=*/true);
  ImageView packed = image;
  packed.data = dev.data_ptr<uint8_t>();
  packed.stride = row_bytes;
  cartoonize_frame_on(s, packed, strength, max_pixels);
  host.copy_(dev, /*non_blocking=*/true);
  s.stream->synchronize();
  rows(true);
}
#endif

}  // namespace

std::pair<int64_t, int64_t> frame_run_size(const EngineState& s, int64_t height, int64_t width, int64_t max_pixels) {
  const auto [h, w] = reduced_size(height, width, s.inference_size);
  const auto [fh, fw] = fitted_size(height, width, max_pixels);
  return h * w <= fh * fw ? std::pair<int64_t, int64_t>{h, w} : std::pair<int64_t, int64_t>{fh, fw};
}

// Frames of a stream share one shape: the generator may run through a CUDA graph.
torch::Tensor frame_cartoon01(EngineState& s, const torch::Tensor& x01) {
  const auto [h, w] = frame_run_size(s, x01.size(2), x01.size(3), 0);
  if (h == x01.size(2) && w == x01.size(3)) return run_model01(s, x01, /*graphed=*/true);
  torch::Tensor small = resize_to(x01, h, w);
  return guided_upsample(x01, small, run_model01(s, small, /*graphed=*/true));
}

torch::Tensor run_model01(EngineState& s, const torch::Tensor& x01, bool graphed) {
  // The input goes channels_last: cuDNN then runs every convolution in NHWC,
  // the layout its fastest (tensor core) kernels use, and oneDNN on the CPU
  // skips reordering to and from NCHW at every layer (the student's small
  // convolutions: about a third of its time).
  const bool zero_one = s.model->info().normalization == Normalization::ZeroOne;
  torch::Tensor x = (zero_one ? x01 : x01 * 2 - 1).to(s.dtype).contiguous(torch::MemoryFormat::ChannelsLast);
  torch::Tensor y;
#ifdef CARTOONIZE_WITH_CUDA
  if (graphed && s.graphed && x.is_cuda()) y = s.graphed->run(*s.model, x);
#else
  (void)graphed;
#endif
  if (!y.defined()) y = s.model->forward(x);
  y = checked_output(y, x).to(torch::kFloat);
  return zero_one ? y : (y + 1) * 0.5;
}

torch::Tensor face_cartoons01(EngineState& s, const torch::Tensor& x01) {
  return apply_output_filter(x01, run_model01(s, x01), s.face_filter);
}

torch::Tensor frame_to_planar01(EngineState& s, const ImageView& image) {
#ifdef CARTOONIZE_WITH_CUDA
  if (s.device.is_cuda()) {
    torch::Tensor x01 =
        torch::empty({1, 3, image.height, image.width}, torch::dtype(torch::kFloat).device(s.device));
    check_cuda(cuda::packed_to_planar(image.data, image.width, image.height, image.stride,
                                      bytes_per_pixel(image.layout), is_bgr_order(image.layout), 1.f / 255.f, 0.f,
                                      x01.data_ptr<float>(), s.stream->stream()),
               "packed_to_planar");
    return x01;
  }
#endif
  (void)s;
  return packed_to_rgb(image) / 255.0;
}

void blend_into_frame(EngineState& s, const torch::Tensor& y01, const ImageView& image, float strength) {
#ifdef CARTOONIZE_WITH_CUDA
  if (s.device.is_cuda()) {
    const torch::Tensor y = y01.contiguous();
    check_cuda(cuda::planar_blend_to_packed(y.data_ptr<float>(), image.width, image.height, 255.f, 0.f, strength,
                                            image.data, image.stride, bytes_per_pixel(image.layout),
                                            is_bgr_order(image.layout), s.stream->stream()),
               "planar_blend_to_packed");
    return;
  }
#endif
  (void)s;
  const torch::Tensor cartoon = y01 * 255.0;
  if (strength >= 1.f) return rgb_to_packed(cartoon, image);
  const torch::Tensor in = packed_to_rgb(image);  // the frame's own bytes
  rgb_to_packed(in + strength * (cartoon - in), image);
}

void run_inference(EngineState& s, const std::function<void()>& fn) {
  try {
    c10::InferenceMode guard;
#ifdef CARTOONIZE_WITH_CUDA
    std::optional<c10::cuda::CUDAStreamGuard> on_our_stream;
    if (s.stream) on_our_stream.emplace(*s.stream);
#else
    (void)s;
#endif
    fn();
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    std::string msg = e.what();
    throw Error("inference failed: " + msg.substr(0, msg.find('\n')));
  }
}

void Engine::cartoonize_frame(const ImageView& image, float strength, int64_t max_pixels) {
  check_view(image);
  if (strength <= 0.f) return;
  strength = std::min(strength, 1.f);
  run_inference(*impl_, [&] {
#ifdef CARTOONIZE_WITH_CUDA
    if (impl_->device.is_cuda()) return run_cuda(*impl_, image, strength, max_pixels);
#endif
    cartoonize_frame_on(*impl_, image, strength, max_pixels);
  });
}

void Engine::cartoonize_device_frame(const ImageView& image, float strength) {
  check_view(image);
  if (!impl_->device.is_cuda()) throw Error("cartoonize_device_frame: the engine runs on " + impl_->device_name);
  if (strength <= 0.f) return;
  strength = std::min(strength, 1.f);
#ifdef CARTOONIZE_WITH_CUDA
  run_inference(*impl_, [&] {
    cartoonize_frame_on(*impl_, image, strength, /*max_pixels=*/0);
    impl_->stream->synchronize();  // the buffer goes downstream when this returns
  });
#endif
}

void Engine::cartoonize_batch(const std::vector<ImageView>& images) {
  if (images.empty()) return;
  for (const auto& im : images) {
    check_view(im);
    if (im.width != images[0].width || im.height != images[0].height)
      throw Error("cartoonize_batch: all images must have the same size");
  }
  run_inference(*impl_, [&] {
    std::vector<torch::Tensor> inputs;
    inputs.reserve(images.size());
    for (const auto& im : images) inputs.push_back(packed_to_rgb(im));
    const torch::Tensor x01 = (torch::cat(inputs) / 255.0).to(impl_->device);
    const torch::Tensor y = (run_model01(*impl_, x01) * 255.0).to(torch::kCPU);
    for (size_t i = 0; i < images.size(); ++i) rgb_to_packed(y.narrow(0, int64_t(i), 1), images[i]);
  });
}

}  // namespace cartoonize
