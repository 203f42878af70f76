// The cartoonizer as the element and tools see it: load a model onto a
// device, cartoonize packed 8-bit frames in place. No LibTorch in this header
// (the element includes it); LibTorch exceptions never leave the Engine.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "affine.h"
#include "image.h"
#include "model_info.h"

namespace cartoonize {

enum class DeviceChoice { Auto, Cpu, Cuda };

struct EngineOptions {
  std::string model_path;
  DeviceChoice device = DeviceChoice::Auto;
  // Input range for TorchScript modules that do not declare one.
  std::optional<Normalization> normalization;
  // Frame mode: the generator runs on the frame scaled so that its long side
  // is this many pixels, and the cartoon is brought back to full resolution by
  // a fast guided upsampler guided by the full-resolution frame (see
  // guided_upsample.h). 0, or a frame that is not larger: full resolution.
  // Face crops (cartoonize_batch) always run at their own size.
  int inference_size = 0;
  // CUDA only: weights and activations in fp16 (ignored on the CPU).
  bool half = false;
  // CUDA only: frame mode's generator forward is captured in a CUDA graph
  // once a frame shape has repeated, and replayed while it stays (re-captured
  // when it changes). A capture that fails is reported through on_warning and
  // the engine runs eagerly from then on.
  bool cuda_graphs = true;
  // What the engine has to say that is not an error (a failed graph capture).
  // Empty: printed to stderr.
  std::function<void(const std::string&)> on_warning = nullptr;
  // How face crops are finished (model_info.h's OutputFilter); unset: the
  // model file's own (its output_* header lines, else none).
  std::optional<OutputFilter> output_filter = std::nullopt;
};

// One face for Engine::cartoonize_device_faces; the geometry comes from the
// host (faces::alignment_transform and faces::face_mask on the landmarks).
struct DeviceFace {
  Affine frame_to_crop{};        // frame pixels -> crop pixels
  const float* mask = nullptr;   // crop_size x crop_size floats in [0, 1], host memory, rows packed
  float alpha = 1.f;             // blend weight: presence * strength
};

class Engine {
 public:
  // Loads the model and moves it to the device. Throws Error with a message
  // for the user (bad model file, device=cuda without a GPU, ...).
  static std::unique_ptr<Engine> create(const EngineOptions& options);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Runs the whole frame through the generator and blends the result into
  // `image` in place: out = in + strength * (cartoon - in). The 4th byte of
  // 4-byte layouts is left as it was. Throws Error on failure.
  // The generator runs at the frame's size, or smaller: at inference_size()
  // (long side) and at most `max_pixels` pixels (> 0), whichever is smaller;
  // the frame is then scaled down once and the cartoon brought back to full
  // resolution by fast guided upsampling (guided_upsample.h), band by band,
  // so an 8K frame needs memory for its bytes, the small run and one band.
  void cartoonize_frame(const ImageView& image, float strength, int64_t max_pixels = 0);

  // The same for a frame already in GPU memory: `image.data` is a device
  // pointer valid in the primary CUDA context of cuda_device() (e.g. a
  // GStreamer CUDA buffer mapped with GST_MAP_CUDA). The packed->planar
  // kernel reads it in place and the blend writes back into it, on the
  // engine's stream: no host copy. Returns once the frame is written. Throws
  // Error when the engine is not on CUDA.
  void cartoonize_device_frame(const ImageView& image, float strength);

  // Cartoonizes several images of the same size in one generator call (the
  // aligned face crops of a frame), in place, fully (strength 1). The
  // element blends them into the frame itself, through a feathered mask.
  void cartoonize_batch(const std::vector<ImageView>& images);
  // The same batch with the cartoons kept in float, for a blend that rounds
  // only once (the host face path, core/faces/face_crops.h): the images are
  // only read, and cartoons[i] receives images[i].width x height x 3 floats in
  // [0, 255] (clamped, not rounded), rows packed, in the image's channel order
  // (RGB or BGR; no 4th channel). Throws Error as cartoonize_batch does.
  void cartoonize_batch(const std::vector<ImageView>& images, const std::vector<float*>& cartoons);

  // Face mode on a frame in the engine's device memory (a CUDA pointer as for
  // cartoonize_device_frame; host memory when the engine runs on the CPU,
  // which is how tests compare this path with the OpenCV one): the crops of
  // all faces are warped out of the frame on the device (core/face_warp.h),
  // run through the generator in one batch, and pasted back through their
  // masks, face after face. frame_strength > 0 also cartoonizes the whole
  // frame first (mode=both; the crops still come from the original frame).
  // Only the masks go to the device: no frame copy. Zero faces and
  // frame_strength 0: nothing happens. Returns once the frame is written.
  // Throws Error on a bad view, a missing mask or crop_size < 3.
  void cartoonize_device_faces(const ImageView& image, const std::vector<DeviceFace>& faces, int crop_size,
                               float frame_strength);

  const ModelInfo& model_info() const;
  bool on_cuda() const;
  int cuda_device() const;  // the CUDA device index, -1 on the CPU
  std::string device_name() const;  // "cpu" or "cuda:0 (NVIDIA H100 ...)"
  int inference_size() const;
  bool half() const;  // true when the generator runs in fp16 (CUDA)
  // Frame-mode forwards served by replaying a CUDA graph so far (0 on the
  // CPU, with cuda_graphs off, or after a failed capture).
  int64_t cuda_graph_replays() const;

 private:
  Engine();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// True when this build and machine can run models on CUDA.
bool cuda_available();
// Fixes the number of intra-op threads LibTorch uses (process-wide); 0 = LibTorch's default.
void set_cpu_threads(int threads);

}  // namespace cartoonize
