#include "frame_bench.h"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <torch/cuda.h>

#ifdef CARTOONIZE_WITH_CUDA
#include <c10/cuda/CUDACachingAllocator.h>
#endif

#include "guided_upsample.h"
#include "image_metrics.h"
#include "model_file.h"

namespace cartoonize::bench {
namespace {
using Clock = std::chrono::steady_clock;

void sync(torch::Device device) {
  if (device.is_cuda()) torch::cuda::synchronize(device.index());
}

ImageView view_of(torch::Tensor& hwc) {
  return {hwc.data_ptr<uint8_t>(), int(hwc.size(1)), int(hwc.size(0)), hwc.size(1) * 3, PixelLayout::RGB};
}

torch::Tensor nchw(const torch::Tensor& hwc) { return hwc.permute({2, 0, 1}).unsqueeze(0).to(torch::kFloat); }

std::string fmt(const char* f, double v) {
  char b[64];
  std::snprintf(b, sizeof b, f, v);
  return b;
}

}  // namespace

double median_ms(int reps, const std::function<void()>& fn) {
  fn();  // warm-up (first-call allocations, cuDNN autotuning)
  std::vector<double> t;
  for (int i = 0; i < std::max(1, reps); ++i) {
    auto t0 = Clock::now();
    fn();
    t.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

double peak_rss_mb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return double(ru.ru_maxrss) / 1024.0;
}

void reset_cuda_peak() {
#ifdef CARTOONIZE_WITH_CUDA
  if (cuda_available()) c10::cuda::CUDACachingAllocator::resetPeakStats(0);
#endif
}

double cuda_peak_mb() {
#ifdef CARTOONIZE_WITH_CUDA
  if (cuda_available()) {
    auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(0);
    return double(stats.allocated_bytes[0].peak) / (1024.0 * 1024.0);
  }
#endif
  return -1;
}

void eager_frame(Generator& g, torch::Device device, torch::Tensor& frame_hwc) {
  torch::NoGradGuard no_grad;
  torch::Tensor x = (nchw(frame_hwc) / 127.5 - 1).to(device);
  torch::Tensor y = g->forward(x).to(torch::kCPU);
  frame_hwc.copy_(((y + 1) * 127.5).round().clamp(0, 255).squeeze(0).permute({1, 2, 0}).to(torch::kUInt8));
}

std::vector<Row> bench_frame(const FrameBenchConfig& c, const torch::Tensor& frame_hwc, const std::string& label) {
  std::vector<Row> rows;
  const int h = int(frame_hwc.size(0)), w = int(frame_hwc.size(1));
  const std::string size = std::to_string(w) + "x" + std::to_string(h);
  const int reps = w * h > 1000000 ? std::max(1, c.reps / 2) : c.reps;
  EngineOptions base;
  base.model_path = c.model;
  base.device = c.device;
  base.half = c.half;
  base.cuda_graphs = c.cuda_graphs;
  auto full = Engine::create(base);
  const torch::Device device = full->on_cuda() ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);
  const std::string dev = full->on_cuda() ? std::string("cuda ") + (full->half() ? "fp16" : "fp32") : "cpu";

  // Reference for quality: fp32 at full resolution on the same device.
  torch::Tensor reference;
  if (c.quality) {
    EngineOptions ref_options = base;
    ref_options.half = false;
    auto ref_engine = full->half() ? Engine::create(ref_options) : nullptr;
    reference = frame_hwc.clone();
    (ref_engine ? *ref_engine : *full).cartoonize_frame(view_of(reference), 1.f);
  }

  // The generator alone, on a tensor already on the device (the stage time).
  NativeModel native = load_model_file(c.model);
  Generator gen = native.generator;
  gen->to(device, full->half() ? torch::kHalf : torch::kFloat);
  auto generator_ms = [&](int64_t gh, int64_t gw) {
    c10::InferenceMode guard;
    torch::Tensor x = torch::rand({1, 3, gh, gw}, torch::dtype(torch::kFloat).device(device)) * 2 - 1;
    x = x.to(full->half() ? torch::kHalf : torch::kFloat);
    if (device.is_cuda()) x = x.contiguous(torch::MemoryFormat::ChannelsLast);
    return median_ms(reps, [&] {
      gen->forward(x);
      sync(device);
    });
  };

  torch::Tensor work;
  auto run_case = [&](Engine& engine, const std::string& item) {
    Row r{"frame mode", item, dev, c.threads};
    reset_cuda_peak();
    r.ms = median_ms(reps, [&] {
      work = frame_hwc.clone();
      engine.cartoonize_frame(view_of(work), 1.f);
    });
    r.cuda_peak_mb = cuda_peak_mb();
    r.rss_mb = peak_rss_mb();
    if (c.quality && (engine.inference_size() > 0 || engine.half())) {
      r.psnr = psnr(nchw(work), nchw(reference));
      r.ssim = ssim(nchw(work), nchw(reference));
    }
    return r;
  };

  Row f = run_case(*full, label + " " + size + " full");
  const double g_full = generator_ms(h, w);
  f.stages = "generator " + fmt("%.1f", g_full) + ", rest " + fmt("%.1f", f.ms - g_full);
  if (c.baseline) {
    NativeModel eager = load_model_file(c.model);  // fp32 on the device, as a plain wrapper would
    eager.generator->to(device);
    f.baseline_ms = median_ms(reps, [&] {
      work = frame_hwc.clone();
      eager_frame(eager.generator, device, work);
    });
  }
  rows.push_back(f);

  for (int size_px : c.inference_sizes) {
    if (size_px <= 0) continue;
    EngineOptions o = base;
    o.inference_size = size_px;
    auto engine = Engine::create(o);
    Row r = run_case(*engine, label + " " + size + " @" + std::to_string(size_px));
    r.baseline_ms = f.baseline_ms;
    const auto [lh, lw] = reduced_size(h, w, size_px);
    if (lh == h && lw == w) {  // the frame is not larger: the full-resolution path
      r.note = "frame not larger than the inference size: full resolution";
      rows.push_back(r);
      continue;
    }
    // Stage times on device tensors: downscale, generator, guided upsample.
    double t_down = 0, t_up = 0;
    {
      c10::InferenceMode guard;
      torch::Tensor x01 = (nchw(frame_hwc) / 255.0).to(device);
      torch::Tensor small;
      t_down = median_ms(reps, [&] {
        small = resize_to(x01, lh, lw);
        sync(device);
      });
      torch::Tensor out_lo = small.clone();
      t_up = median_ms(reps, [&] {
        guided_upsample(x01, small, out_lo);
        sync(device);
      });
    }
    const double t_gen = generator_ms(lh, lw);
    r.stages = "downscale " + fmt("%.1f", t_down) + ", generator " + fmt("%.1f", t_gen) + " (" +
               std::to_string(lw) + "x" + std::to_string(lh) + "), guided upsample " + fmt("%.1f", t_up) +
               ", rest " + fmt("%.1f", r.ms - t_down - t_gen - t_up);
    rows.push_back(r);
  }
  return rows;
}

std::string to_markdown(const std::vector<Row>& rows) {
  std::ostringstream md;
  md << "| group | case | device | threads | ms | fps | baseline (a) ms | speed-up vs (a) | PSNR dB | SSIM | "
        "RSS high-water MB | CUDA peak MB | stages (ms) | note |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n";
  for (const auto& r : rows) {
    md << "| " << r.group << " | " << r.item << " | " << r.device << " | " << r.threads << " | " << fmt("%.1f", r.ms)
       << " | " << fmt("%.1f", 1000.0 / r.ms) << " | " << (r.baseline_ms > 0 ? fmt("%.1f", r.baseline_ms) : "")
       << " | " << (r.baseline_ms > 0 ? fmt("%.2fx", r.baseline_ms / r.ms) : "") << " | "
       << (r.psnr >= 0 ? fmt("%.2f", r.psnr) : "") << " | " << (r.ssim >= 0 ? fmt("%.4f", r.ssim) : "") << " | "
       << fmt("%.0f", r.rss_mb) << " | " << (r.cuda_peak_mb >= 0 ? fmt("%.0f", r.cuda_peak_mb) : "") << " | "
       << r.stages << " | " << r.note << " |\n";
  }
  return md.str();
}

std::string to_csv(const std::vector<Row>& rows) {
  std::ostringstream csv;
  auto q = [](const std::string& s) { return "\"" + s + "\""; };
  csv << "group,case,device,threads,ms,fps,baseline_a_ms,speedup_vs_a,psnr_db,ssim,rss_mb,cuda_peak_mb,stages,note\n";
  for (const auto& r : rows)
    csv << q(r.group) << ',' << q(r.item) << ',' << q(r.device) << ',' << r.threads << ',' << fmt("%.3f", r.ms)
        << ',' << fmt("%.3f", 1000.0 / r.ms) << ',' << (r.baseline_ms > 0 ? fmt("%.3f", r.baseline_ms) : "") << ','
        << (r.baseline_ms > 0 ? fmt("%.3f", r.baseline_ms / r.ms) : "") << ','
        << (r.psnr >= 0 ? fmt("%.3f", r.psnr) : "") << ',' << (r.ssim >= 0 ? fmt("%.5f", r.ssim) : "") << ','
        << fmt("%.1f", r.rss_mb) << ',' << (r.cuda_peak_mb >= 0 ? fmt("%.1f", r.cuda_peak_mb) : "") << ','
        << q(r.stages) << ',' << q(r.note) << '\n';
  return csv.str();
}

void write_text(const std::string& path, const std::string& text) {
  if (path.empty()) return;
  std::ofstream out(path);
  if (!(out << text)) throw std::runtime_error("cannot write " + path);
}

std::vector<int> parse_list(const std::string& s) {
  std::vector<int> v;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) v.push_back(std::stoi(item));
  return v;
}

torch::Tensor read_ppm(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string magic;
  int w = 0, h = 0, maxval = 0;
  if (!(in >> magic >> w >> h >> maxval) || magic != "P6" || maxval != 255 || w <= 0 || h <= 0 || w > 16384 ||
      h > 16384)
    throw std::runtime_error(path + ": not a binary 8-bit PPM (P6, maxval 255)");
  in.get();  // the single whitespace byte before the pixels
  torch::Tensor t = torch::empty({h, w, 3}, torch::kUInt8);
  if (!in.read(reinterpret_cast<char*>(t.data_ptr<uint8_t>()), std::streamsize(t.numel())))
    throw std::runtime_error(path + ": truncated PPM");
  return t;
}

void write_ppm(const std::string& path, const torch::Tensor& frame_hwc) {
  torch::Tensor t = frame_hwc.contiguous();
  std::ofstream out(path, std::ios::binary);
  out << "P6\n" << t.size(1) << ' ' << t.size(0) << "\n255\n";
  out.write(reinterpret_cast<const char*>(t.data_ptr<uint8_t>()), std::streamsize(t.numel()));
  if (!out) throw std::runtime_error("cannot write " + path);
}

torch::Tensor fit_frame(const torch::Tensor& image_hwc, int w, int h) {
  const int64_t ih = image_hwc.size(0), iw = image_hwc.size(1);
  const double want = double(w) / h, have = double(iw) / ih;
  torch::Tensor crop = image_hwc;
  if (have > want) crop = image_hwc.narrow(1, int64_t((iw - ih * want) / 2), int64_t(ih * want));
  else crop = image_hwc.narrow(0, int64_t((ih - iw / want) / 2), int64_t(iw / want));
  torch::Tensor x = resize_to(nchw(crop), h, w);
  return x.round().clamp(0, 255).to(torch::kUInt8).squeeze(0).permute({1, 2, 0}).contiguous();
}

}  // namespace cartoonize::bench
