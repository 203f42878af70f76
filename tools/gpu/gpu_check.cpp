// gpu-check: the Engine's CUDA path against its CPU path on the same frames,
// the face warp/paste on the GPU against OpenCV's references
// (face_checks.h), CUDA graphs against eager (graph_checks.h), then the GPU
// frame-mode benchmark (fp32/fp16, full and reduced inference size, graphs
// on and off) next to baseline (a) and the device face path's timing.
// LibTorch only: builds with -Dcore_only=true on the GPU machine
// (tools/gpu/verify.sh runs it).
//
//   gpu-check --model FILE [--frames DIR] [--out DIR] [--reps N] [--inference-sizes 256,512]
//
// --frames: frame-640x480.ppm, frame-1280x720.ppm, frame-1920x1080.ppm (binary
// PPM, as `cartoonize-bench --save-frames DIR` writes them from the shared
// photos); missing files are replaced by a synthetic frame (noted). The same
// folder holds faces-*.pt, the OpenCV face path's references (face_fixture.h).
// Without a CUDA device the CPU path is checked against itself and
// benchmarked, so the program can be tried anywhere; the exit status is 1
// when a check fails.
#include <cstdio>
#include <filesystem>
#include <sstream>

#include "checks.h"
#include "engine.h"
#include "error.h"
#include "face_checks.h"
#include "frame_bench.h"
#include "graph_checks.h"

namespace cb = cartoonize::bench;
using namespace cartoonize;
using cb::Check;

namespace {

torch::Tensor synthetic_frame(int w, int h) {
  torch::Tensor ys = torch::linspace(0, 1, h).view({h, 1}).expand({h, w});
  torch::Tensor xs = torch::linspace(0, 1, w).view({1, w}).expand({h, w});
  torch::Tensor g = torch::remainder(torch::floor(xs * 7), 2) * 0.5 + ys * 0.5;
  torch::Tensor b = torch::sin(xs * 20 + ys * 13) * 0.5 + 0.5;
  return (torch::stack({xs, g, b}, 2) * 255).round().to(torch::kUInt8).contiguous();
}

torch::Tensor load_frame(const std::string& dir, int w, int h, std::string& source) {
  const std::string path = dir + "/frame-" + std::to_string(w) + "x" + std::to_string(h) + ".ppm";
  if (!dir.empty() && std::filesystem::exists(path)) {
    source = "photo";
    return cb::read_ppm(path);
  }
  source = "synthetic";
  return synthetic_frame(w, h);
}

// A frame as 4-byte BGRx pixels with padded rows, to exercise the kernels'
// stride and channel order; returns the bytes and the stride.
std::pair<std::vector<uint8_t>, int> as_bgrx_padded(const torch::Tensor& rgb) {
  const int h = int(rgb.size(0)), w = int(rgb.size(1)), stride = w * 4 + 36;
  std::vector<uint8_t> out(size_t(stride) * h, 0x5A);
  auto a = rgb.accessor<uint8_t, 3>();
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c) out[size_t(y) * stride + x * 4 + (2 - c)] = a[y][x][c];
  return {out, stride};
}

}  // namespace

int main(int argc, char** argv) {
  std::string model, frames_dir, out_dir;
  int reps = 10;
  std::vector<int> sizes_px = {256, 512};
  bool quick = false;  // 640x480 only (a smoke test on machines without a GPU)
  if (const char* m = std::getenv("CARTOONIZE_DEFAULT_MODEL")) model = m;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--model") model = next();
    else if (a == "--frames") frames_dir = next();
    else if (a == "--out") out_dir = next();
    else if (a == "--reps") reps = std::stoi(next());
    else if (a == "--inference-sizes") sizes_px = cb::parse_list(next());
    else if (a == "--quick") quick = true;
    else {
      std::printf("usage: gpu-check --model FILE [--frames DIR] [--out DIR] [--reps N] [--inference-sizes 256,512] [--quick]\n");
      return a == "--help" ? 0 : 2;
    }
  }
  if (model.empty()) {
    std::fprintf(stderr, "gpu-check: --model FILE\n");
    return 2;
  }
  try {
    const bool gpu = cuda_available();
    const DeviceChoice target = gpu ? DeviceChoice::Cuda : DeviceChoice::Cpu;
    std::printf("gpu-check: %s\n", gpu ? "CUDA device present" : "NO CUDA DEVICE: checking the CPU path against itself");

    // 1. Correctness: CUDA (fp32, fp16) against the CPU on the same frames.
    std::vector<Check> checks;
    auto compare = [&](const std::string& name, const torch::Tensor& got, const torch::Tensor& want, double min_psnr,
                       int max_diff_allowed) {
      checks.push_back(cb::compare_bytes(name, got, want, min_psnr, 255.0, max_diff_allowed));
    };
    auto run = [&](DeviceChoice dev, bool half, int size_px, const torch::Tensor& frame, float strength = 1.f) {
      EngineOptions o{model, dev, std::nullopt, size_px, half};
      auto e = Engine::create(o);
      torch::Tensor t = frame.clone();
      e->cartoonize_frame({t.data_ptr<uint8_t>(), int(t.size(1)), int(t.size(0)), t.size(1) * 3, PixelLayout::RGB},
                          strength);
      return t;
    };
    using Sizes = std::vector<std::pair<int, int>>;
    for (auto [w, h] : quick ? Sizes{{640, 480}} : Sizes{{640, 480}, {1920, 1080}}) {
      std::string source;
      torch::Tensor frame = load_frame(frames_dir, w, h, source);
      for (int size_px : {0, 256}) {
        const std::string tag = std::to_string(w) + "x" + std::to_string(h) + " (" + source + ") " +
                                (size_px ? "@" + std::to_string(size_px) : std::string("full"));
        torch::Tensor cpu = run(DeviceChoice::Cpu, false, size_px, frame);
        // fp32: cuDNN may use TF32 tensor cores, so not bit-exact; fp16 looser.
        compare("fp32 vs CPU " + tag, run(target, false, size_px, frame), cpu, 40.0, 24);
        compare("fp16 vs CPU " + tag, run(target, true, size_px, frame), cpu, 32.0, 64);
      }
    }
    {  // Padded BGRx rows and a half-strength blend through the CUDA kernels.
      std::string source;
      torch::Tensor frame = load_frame(frames_dir, 640, 480, source).narrow(1, 0, 639).narrow(0, 0, 479).contiguous();
      auto [bytes_gpu, stride] = as_bgrx_padded(frame);
      auto bytes_cpu = bytes_gpu;
      auto cpu = Engine::create({model, DeviceChoice::Cpu, std::nullopt});
      auto dev = Engine::create({model, target, std::nullopt});
      cpu->cartoonize_frame({bytes_cpu.data(), 639, 479, stride, PixelLayout::BGRx}, 0.5f);
      dev->cartoonize_frame({bytes_gpu.data(), 639, 479, stride, PixelLayout::BGRx}, 0.5f);
      bool padding_intact = true;
      for (int y = 0; y < 479; ++y) {
        for (int x = 0; x < 639; ++x) padding_intact &= bytes_gpu[size_t(y) * stride + x * 4 + 3] == 0x5A;
        for (int x = 639 * 4; x < stride; ++x) padding_intact &= bytes_gpu[size_t(y) * stride + x] == 0x5A;
      }
      auto as_tensor = [&](std::vector<uint8_t>& b) {
        return torch::from_blob(b.data(), {479, 639, 4}, {stride, 4, 1}, torch::kUInt8).narrow(2, 0, 3).contiguous();
      };
      compare("fp32 vs CPU 639x479 BGRx padded, strength 0.5", as_tensor(bytes_gpu), as_tensor(bytes_cpu), 40.0, 24);
      if (!padding_intact) {
        checks.push_back(cb::verdict("x byte and row padding untouched", false));
      }
      // The element's memory:CUDAMemory path (Engine::cartoonize_device_frame):
      // the same padded frame already in GPU memory must give the host path's
      // bytes (same kernels, same generator), padding untouched.
      if (gpu) {
        auto [original, stride2] = as_bgrx_padded(frame);
        torch::Tensor on_device = torch::from_blob(original.data(), {int64_t(original.size())}, torch::kUInt8)
                                      .to(torch::Device(torch::kCUDA, dev->cuda_device()));
        dev->cartoonize_device_frame({on_device.data_ptr<uint8_t>(), 639, 479, stride2, PixelLayout::BGRx}, 0.5f);
        torch::Tensor back = on_device.cpu();
        std::vector<uint8_t> device_bytes(back.data_ptr<uint8_t>(), back.data_ptr<uint8_t>() + back.numel());
        bool device_padding_intact = true;
        for (int y = 0; y < 479; ++y) {
          for (int x = 0; x < 639; ++x) device_padding_intact &= device_bytes[size_t(y) * stride2 + x * 4 + 3] == 0x5A;
          for (int x = 639 * 4; x < stride2; ++x) device_padding_intact &= device_bytes[size_t(y) * stride2 + x] == 0x5A;
        }
        compare("device frame (CUDA memory path) vs host-staged CUDA path, 639x479 BGRx padded",
                as_tensor(device_bytes), as_tensor(bytes_gpu), 60.0, 1);
        if (!device_padding_intact) {
          checks.push_back(cb::verdict("device frame: x byte and row padding untouched", false));
        }
      } else {
        bool refused = false;
        try {
          dev->cartoonize_device_frame({bytes_gpu.data(), 639, 479, stride, PixelLayout::BGRx}, 0.5f);
        } catch (const Error&) {
          refused = true;
        }
        checks.push_back(cb::verdict("CPU engine refuses device frames", refused));
      }
    }

    // Face mode: warp/paste against OpenCV's references, the device face path
    // against the CPU engine.
    for (auto& c : cb::face_checks(frames_dir, model, gpu)) checks.push_back(c);
    // CUDA graphs against eager, through size changes.
    if (gpu) {
      std::string s1, s2;
      for (auto& c : cb::graph_checks(model, load_frame(frames_dir, 640, 480, s1), load_frame(frames_dir, 1280, 720, s2)))
        checks.push_back(c);
    } else {
      std::printf("SKIP CUDA graph checks: no CUDA device\n");
    }

    // 2. Benchmark: frame mode on the device, fp32 and fp16, full and reduced,
    // baseline (a) = eager fp32 with host<->device copies, same run.
    std::vector<cb::Row> rows;
    for (auto [w, h] : quick ? Sizes{{640, 480}} : Sizes{{640, 480}, {1280, 720}, {1920, 1080}}) {
      std::string source;
      torch::Tensor frame = load_frame(frames_dir, w, h, source);
      for (bool half : {false, true}) {
        for (bool graphs : {false, true}) {
          if ((half || graphs) && !gpu) continue;
          cb::FrameBenchConfig c;
          c.model = model;
          c.device = target;
          c.half = half;
          c.cuda_graphs = graphs;
          c.baseline = !graphs;  // once per precision is enough
          c.threads = int(torch::get_num_threads());
          c.inference_sizes = sizes_px;
          c.reps = reps;
          auto r = cb::bench_frame(c, frame, source);
          for (auto& row : r)
            row.note = gpu ? std::string("channels_last, cudnn.benchmark, pinned staging, own stream, CUDA graphs ") +
                                 (graphs ? "on" : "off")
                           : "";
          rows.insert(rows.end(), r.begin(), r.end());
          std::fputs(cb::to_markdown(r).c_str(), stdout);
        }
      }
    }

    const std::vector<cb::Row> face_rows = cb::face_bench(frames_dir, model, gpu, reps);
    std::ostringstream md;
    md << "## Checks (device vs CPU and OpenCV, same frames)\n\n" << cb::checks_markdown(checks);
    bool all_pass = true;
    for (const auto& c : checks) all_pass &= c.pass;
    md << "\n## Frame mode benchmark\n\n" << cb::to_markdown(rows);
    if (!face_rows.empty()) md << "\n## Face mode on the device\n\n" << cb::to_markdown(face_rows);
    rows.insert(rows.end(), face_rows.begin(), face_rows.end());
    md << "\nDevice: "
       << Engine::create({model, target, std::nullopt})->device_name() << "; LibTorch threads "
       << torch::get_num_threads() << "\n";
    if (!out_dir.empty()) {
      std::filesystem::create_directories(out_dir);
      cb::write_text(out_dir + "/gpu-check.md", md.str());
      cb::write_text(out_dir + "/gpu-check.csv", cb::to_csv(rows));
    }
    std::fputs(md.str().c_str(), stdout);
    return all_pass ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "gpu-check: %s\n", e.what());
    return 1;
  }
}
