// Engine::cartoonize_device_faces: face mode on a frame that stays in the
// engine's device memory (see engine.h). Same steps as core/faces'
// extract_faces -> cartoonize_crops -> paste_faces, on tensors.
#include <algorithm>
#include <cstring>

#include "engine_state.h"
#include "error.h"
#include "face_warp.h"

namespace cartoonize {

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
    if (n > 0) cartoons = run_model01(s, warp_crops(x01, matrices, crop_size)).clamp(0, 1);
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
