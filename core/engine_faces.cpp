// The Engine's face calls (see engine.h): the float crop batch of the host
// face path (core/faces/face_crops.h), and Engine::cartoonize_device_faces,
// face mode on a frame that stays in the engine's device memory: the same
// steps as the host path's extract_faces -> cartoonize_crops -> paste_faces,
// on tensors.
#include <algorithm>
#include <cstring>

#include "engine_state.h"
#include "error.h"
#include "face_warp.h"
#include "tensor_image.h"

namespace cartoonize {

void Engine::cartoonize_batch(const std::vector<ImageView>& images, const std::vector<float*>& cartoons) {
  if (cartoons.size() != images.size()) throw Error("cartoonize_batch: one output buffer per image");
  for (size_t i = 0; i < images.size(); ++i) {
    check_view(images[i]);
    if (images[i].width != images[0].width || images[i].height != images[0].height)
      throw Error("cartoonize_batch: all images must have the same size");
    if (!cartoons[i]) throw Error("cartoonize_batch: an image without an output buffer");
  }
  if (images.empty()) return;
  EngineState& s = *impl_;
  run_inference(s, [&] {
    std::vector<torch::Tensor> inputs;
    inputs.reserve(images.size());
    for (const auto& im : images) inputs.push_back(packed_to_rgb(im));
    const torch::Tensor x01 = (torch::cat(inputs) / 255.0).to(s.device);
    // N x H x W x 3, RGB, on the host.
    const torch::Tensor y = (face_cartoons01(s, x01) * 255.0).clamp(0, 255).permute({0, 2, 3, 1}).to(torch::kCPU);
    const int64_t h = images[0].height, w = images[0].width;
    for (size_t i = 0; i < images.size(); ++i) {
      torch::Tensor hwc = y[int64_t(i)];
      if (is_bgr_order(images[i].layout)) hwc = hwc.flip(-1);
      torch::from_blob(cartoons[i], {h, w, 3}, torch::kFloat).copy_(hwc);
    }
  });
}

void Engine::cartoonize_device_faces(const ImageView& image, const std::vector<DeviceFace>& faces, int crop_size,
                                     float frame_strength) {
  check_view(image);
  if (crop_size < 3) throw Error("cartoonize_device_faces: the crop size must be >= 3");
  std::vector<const DeviceFace*> shown;  // faces that change something
  for (const auto& f : faces) {
    if (!f.mask) throw Error("cartoonize_device_faces: a face without a mask");
    if (f.alpha > 0.f) shown.push_back(&f);
  }
  frame_strength = std::min(frame_strength, 1.f);
  if (shown.empty() && frame_strength <= 0.f) return;
  EngineState& s = *impl_;
  run_inference(s, [&] {
    const torch::Tensor x01 = frame_to_planar01(s, image);
    const int64_t n = int64_t(shown.size()), plane = int64_t(crop_size) * crop_size;
    std::vector<Affine> matrices;
    std::vector<float> alpha;
    torch::Tensor masks = torch::empty({n, 1, crop_size, crop_size});  // host, then one copy to the device
    for (int64_t i = 0; i < n; ++i) {
      matrices.push_back(shown[size_t(i)]->frame_to_crop);
      alpha.push_back(shown[size_t(i)]->alpha);
      std::memcpy(masks.data_ptr<float>() + i * plane, shown[size_t(i)]->mask, size_t(plane) * sizeof(float));
    }
    // Crops from the original frame, before any cartoon is drawn (as the
    // element's host path takes them); clamped as the host path's bytes are.
    torch::Tensor cartoons;
    if (n > 0) cartoons = face_cartoons01(s, warp_crops(x01, matrices, crop_size)).clamp(0, 1);
    torch::Tensor out01 = x01;
    if (frame_strength > 0.f) out01 = (x01 + frame_strength * (frame_cartoon01(s, x01) - x01)).clamp(0, 1);
    if (n > 0) paste_crops(out01, cartoons, masks.to(s.device), matrices, alpha);
    blend_into_frame(s, out01, image, 1.f);
#ifdef CARTOONIZE_WITH_CUDA
    if (s.stream) s.stream->synchronize();  // the buffer goes downstream when this returns
#endif
  });
}

}  // namespace cartoonize
