// Frame-mode benchmark pieces shared by cartoonize-bench (full build) and
// gpu-check (core-only build on the GPU machine): timing, memory, the
// baseline (a), quality against full-resolution inference, the result table.
// LibTorch only (no OpenCV): frames are H x W x 3 uint8 RGB tensors.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "engine.h"
#include "generator.h"

namespace cartoonize::bench {

struct Row {
  Row() = default;
  Row(std::string group_, std::string item_, std::string device_, int threads_, double ms_ = 0)
      : group(std::move(group_)), item(std::move(item_)), device(std::move(device_)), threads(threads_), ms(ms_) {}
  std::string group, item, device;
  int threads = 0;
  double ms = 0;              // median per frame (or per call)
  std::string stages;         // "generator 40.1, upsample 3.2, ..." (ms)
  double baseline_ms = -1;    // baseline (a) in the same run; <= 0: none
  double psnr = -1, ssim = -1;  // against full-resolution fp32 inference; < 0: not measured
  double rss_mb = 0;          // process RSS high-water mark after the case
  double cuda_peak_mb = -1;   // torch.cuda.max_memory_allocated of the case; < 0: CPU
  std::string note;
};

// Median of `reps` timed runs after one untimed warm-up.
double median_ms(int reps, const std::function<void()>& fn);
double peak_rss_mb();
// Resets CUDA's peak-allocation counter (no-op without CUDA).
void reset_cuda_peak();
// MB allocated at most since the last reset; -1 without a CUDA device.
double cuda_peak_mb();

// Baseline (a): the same weights in plain LibTorch eager fp32, one frame at
// a time: bytes -> float NCHW -> device -> forward -> host -> bytes.
void eager_frame(Generator& g, torch::Device device, torch::Tensor& frame_hwc);

struct FrameBenchConfig {
  std::string model;
  DeviceChoice device = DeviceChoice::Cpu;
  bool half = false;
  bool cuda_graphs = true;                // EngineOptions::cuda_graphs
  int threads = 0;                        // for the table; set_cpu_threads is the caller's
  std::vector<int> inference_sizes = {256};  // reduced cases besides full resolution (0 = full only)
  int reps = 5;
  bool baseline = true;                   // also time baseline (a)
  bool quality = true;                    // PSNR/SSIM of reduced (and fp16) against CPU-free fp32 full
};

// Frame mode on one frame: full resolution and each inference size, with
// per-stage times for reduced cases, baseline (a), PSNR/SSIM against the
// full-resolution fp32 output on the same device.
std::vector<Row> bench_frame(const FrameBenchConfig& config, const torch::Tensor& frame_hwc,
                             const std::string& label);

// Markdown and CSV of the rows.
std::string to_markdown(const std::vector<Row>& rows);
std::string to_csv(const std::vector<Row>& rows);
void write_text(const std::string& path, const std::string& text);
// "1,2,4" -> {1, 2, 4} (command-line lists).
std::vector<int> parse_list(const std::string& s);

// Binary PPM (P6, 8-bit) in and out; throws std::runtime_error on bad files.
torch::Tensor read_ppm(const std::string& path);
void write_ppm(const std::string& path, const torch::Tensor& frame_hwc);
// A frame of w x h cut (centre, same aspect) and resized from an RGB image.
torch::Tensor fit_frame(const torch::Tensor& image_hwc, int w, int h);

}  // namespace cartoonize::bench
