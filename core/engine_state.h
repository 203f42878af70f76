// Internal to core/: what an Engine holds, and the steps its frame path
// (engine.cpp) and its device face path (engine_faces.cpp) share. LibTorch
// (and CUDA) headers inside: never included by the element.
#pragma once
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <torch/torch.h>

#ifdef CARTOONIZE_WITH_CUDA
#include <c10/cuda/CUDAStream.h>

#include "cuda/graphed_forward.h"
#endif

#include "engine.h"
#include "image_model.h"

namespace cartoonize {

struct EngineState {
  std::unique_ptr<ImageModel> model;
  torch::Device device{torch::kCPU};
  std::string device_name = "cpu";
  int inference_size = 0;
  OutputFilter face_filter;  // on face crops (EngineOptions::output_filter, else the model's)
  torch::Dtype dtype = torch::kFloat;  // of the generator's weights and activations
  std::function<void(const std::string&)> warn;  // never empty (EngineOptions::on_warning or stderr)
#ifdef CARTOONIZE_WITH_CUDA
  // One stream per engine (two elements never serialise on the default
  // stream), and reusable buffers: a pinned host staging area so the copies
  // run at full bus speed, and the frame's bytes on the GPU.
  std::optional<c10::cuda::CUDAStream> stream;
  torch::Tensor pinned, frame_bytes;
  std::unique_ptr<GraphedForward> graphed;  // frame mode's generator; null: eager (cuda_graphs off, CPU)
#endif
};

// Engine::Impl is the plain EngineState, so the frame and face functions
// (engine.cpp, engine_faces.cpp) can take it.
struct Engine::Impl : EngineState {};

// Throws Error for a view without pixels or with rows shorter than its width.
void check_view(const ImageView& image);

// The generator on x01 (N x 3 x H x W in [0, 1], fp32, the engine's device);
// returns fp32 in [0, 1] (not clamped). `graphed`: through s.graphed when
// there is one (frame mode: one shape, frame after frame).
torch::Tensor run_model01(EngineState& s, const torch::Tensor& x01, bool graphed = false);

// The generator on face crops x01 (N x 3 x H x W in [0, 1]): run_model01,
// then s.face_filter with the crops as the guide. Not clamped.
torch::Tensor face_cartoons01(EngineState& s, const torch::Tensor& x01);

// The size frame mode runs the generator at for a height x width frame:
// inference-size's long side or the max_pixels limit (fitted_size),
// whichever is smaller; the frame's own size when neither applies.
std::pair<int64_t, int64_t> frame_run_size(const EngineState& s, int64_t height, int64_t width, int64_t max_pixels);

// Whole-frame cartoon in [0, 1] at x01's size (1 x 3 x H x W): the generator
// at full resolution, or at the inference size and guided back up.
torch::Tensor frame_cartoon01(EngineState& s, const torch::Tensor& x01);

// The frame (memory of the engine's device: a CUDA pointer, host memory on
// the CPU) as 1 x 3 x H x W fp32 RGB in [0, 1] on the device, and back:
// frame = frame + strength * (y01 * 255 - frame), rounded, 4th byte kept.
// On CUDA both are kernels on the engine's stream (the caller synchronises).
torch::Tensor frame_to_planar01(EngineState& s, const ImageView& image);
void blend_into_frame(EngineState& s, const torch::Tensor& y01, const ImageView& image, float strength);

// Runs `fn` under InferenceMode (on the engine's stream on CUDA); LibTorch's
// exceptions leave as Error.
void run_inference(EngineState& s, const std::function<void()>& fn);

}  // namespace cartoonize
