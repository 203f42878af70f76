#include "face_checks.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "engine.h"
#include "face_fixture.h"
#include "face_warp.h"

namespace cartoonize::bench {
namespace {

std::vector<std::string> fixture_files(const std::string& dir) {
  std::vector<std::string> out;
  if (dir.empty() || !std::filesystem::is_directory(dir)) return out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.rfind("faces-", 0) == 0 && e.path().extension() == ".pt") out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<Affine> matrices_of(const FaceFixture& f) {
  std::vector<Affine> out(size_t(f.matrices.size(0)));
  const torch::Tensor m = f.matrices.contiguous();
  for (size_t i = 0; i < out.size(); ++i)
    std::copy_n(m.data_ptr<float>() + i * 6, 6, out[i].begin());
  return out;
}

torch::Tensor to_bytes(const torch::Tensor& nchw) {  // N x C x H x W float -> N x H x W x C uint8 (host)
  return nchw.round().clamp(0, 255).to(torch::kUInt8).permute({0, 2, 3, 1}).contiguous().cpu();
}

torch::Tensor planar(const torch::Tensor& nhwc, torch::Device dev) {  // uint8 N x H x W x C -> float N x C x H x W
  return nhwc.permute({0, 3, 1, 2}).to(torch::kFloat).to(dev).contiguous();
}

// Warp, then paste of the fixture's cartoons, on `dev`; returns (crops, pasted frame) as bytes.
std::pair<torch::Tensor, torch::Tensor> warp_and_paste(const FaceFixture& f, torch::Device dev) {
  const std::vector<Affine> ms = matrices_of(f);
  torch::Tensor frame = planar(f.frame.unsqueeze(0), dev);
  const torch::Tensor crops = warp_crops(frame, ms, int(f.cartoons.size(1)));
  std::vector<float> alpha(f.alpha.data_ptr<float>(), f.alpha.data_ptr<float>() + f.alpha.numel());
  paste_crops(frame, planar(f.cartoons, dev), f.masks.unsqueeze(1).to(dev), ms, alpha);
  return {to_bytes(crops), to_bytes(frame)[0]};
}

std::vector<DeviceFace> device_faces(const FaceFixture& f, int copies) {
  const std::vector<Affine> ms = matrices_of(f);
  const int64_t plane = f.masks.size(1) * f.masks.size(2);
  std::vector<DeviceFace> out;
  for (int i = 0; i < copies; ++i) {
    const size_t k = size_t(i) % ms.size();
    out.push_back({ms[k], f.masks.data_ptr<float>() + int64_t(k) * plane, f.alpha[int64_t(k)].item<float>()});
  }
  return out;
}

// The Engine's device face path on the fixture's frame (uploaded as bytes
// when the engine is on CUDA); returns the frame's bytes afterwards.
torch::Tensor engine_faces(Engine& e, const FaceFixture& f, float frame_strength) {
  const torch::Device dev = e.on_cuda() ? torch::Device(torch::kCUDA, e.cuda_device()) : torch::Device(torch::kCPU);
  torch::Tensor bytes = f.frame.clone().to(dev).contiguous();
  const int h = int(bytes.size(0)), w = int(bytes.size(1));
  e.cartoonize_device_faces({bytes.data_ptr<uint8_t>(), w, h, w * 3, PixelLayout::RGB}, device_faces(f, int(f.alpha.numel())),
                            int(f.masks.size(1)), frame_strength);
  return bytes.cpu();
}

}  // namespace

std::vector<Check> face_checks(const std::string& frames_dir, const std::string& model, bool gpu) {
  std::vector<Check> checks;
  const std::vector<std::string> files = fixture_files(frames_dir);
  if (files.empty()) {
    checks.push_back(verdict("face warp/paste references (faces-*.pt) in '" + frames_dir +
                                 "': none found (cartoonize-bench --save-frames DIR writes them)",
                             false));
    return checks;
  }
  const torch::Device dev = gpu ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);
  const std::string on = gpu ? "CUDA" : "CPU";
  std::unique_ptr<Engine> cpu_engine, gpu_engine;
  if (gpu) {
    cpu_engine = Engine::create({model, DeviceChoice::Cpu, std::nullopt, 256});
    gpu_engine = Engine::create({model, DeviceChoice::Cuda, std::nullopt, 256});
  }
  for (const auto& file : files) {
    const FaceFixture f = load_face_fixture(file);
    const std::string tag = std::filesystem::path(file).stem().string() + " (" +
                            std::to_string(f.alpha.numel()) + " faces)";
    // Tolerances as in tests/faces/test_face_warp.cpp (OpenCV's 1/32-px
    // fixed-point sampling and per-step rounding against exact float sampling).
    const auto [crops, pasted] = warp_and_paste(f, dev);
    checks.push_back(compare_bytes(on + " warp_crops vs OpenCV warp_face, " + tag, crops, f.expected_crops, 30.0,
                                   0.25, 3, 0.99));
    checks.push_back(compare_bytes(on + " paste_crops vs OpenCV paste_back, " + tag, pasted, f.expected_paste, 40.0,
                                   0.05, 3, 0.999));
    if (!gpu) continue;
    const auto [cpu_crops, cpu_pasted] = warp_and_paste(f, torch::kCPU);
    checks.push_back(compare_bytes("CUDA vs CPU tensors, warp + paste, " + tag, pasted, cpu_pasted, 50.0, 0.01, 1));
    // End to end with the generator: fp32 on CUDA (TF32 convolutions) against the CPU engine.
    for (const float frame_strength : {0.f, 0.7f}) {
      const std::string mode = frame_strength > 0 ? "mode=both" : "mode=face";
      checks.push_back(compare_bytes("Engine::cartoonize_device_faces CUDA vs CPU engine, " + mode + ", " + tag,
                                     engine_faces(*gpu_engine, f, frame_strength),
                                     engine_faces(*cpu_engine, f, frame_strength), 40.0, 0.1, 24));
    }
  }
  return checks;
}

std::vector<Row> face_bench(const std::string& frames_dir, const std::string& model, bool gpu, int reps) {
  std::vector<Row> rows;
  const std::string file = frames_dir + "/faces-group-1920x1080.pt";
  if (!std::filesystem::exists(file)) return rows;
  const FaceFixture f = load_face_fixture(file);
  for (const bool half : {false, true}) {
    if (half && !gpu) continue;
    auto e = Engine::create({model, gpu ? DeviceChoice::Cuda : DeviceChoice::Cpu, std::nullopt, 256, half});
    const torch::Device dev = e->on_cuda() ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);
    torch::Tensor bytes = f.frame.clone().to(dev).contiguous();
    const ImageView view{bytes.data_ptr<uint8_t>(), int(bytes.size(1)), int(bytes.size(0)), bytes.size(1) * 3,
                         PixelLayout::RGB};
    for (const int n : {1, 3, 8}) {
      const std::vector<DeviceFace> faces = device_faces(f, n);
      reset_cuda_peak();
      Row r{"face mode on device", "1920x1080 " + std::to_string(n) + " faces", gpu ? (half ? "cuda fp16" : "cuda fp32") : "cpu",
            int(torch::get_num_threads())};
      r.ms = median_ms(reps, [&] { e->cartoonize_device_faces(view, faces, int(f.masks.size(1)), 0.f); });
      r.rss_mb = peak_rss_mb();
      r.cuda_peak_mb = cuda_peak_mb();
      r.note = "warp + one generator batch + paste where the frame is (no frame copy; masks go to the device)";
      rows.push_back(r);
    }
  }
  return rows;
}

}  // namespace cartoonize::bench
