// `test`: a numbered snapshot on the held-out photos: outputs, an
// input | output grid and a short metrics summary.
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <opencv2/imgcodecs.hpp>

#include "args.h"
#include "checkpoint.h"
#include "commands.h"
#include "error.h"
#include "grid.h"
#include "image_folder.h"
#include "losses.h"
#include "progress.h"
#include "run_dir.h"

namespace cartoonize::train {
namespace fs = std::filesystem;

int cmd_test(const std::vector<std::string>& argv) {
  Args a("test", "Run a snapshot on held-out photos: outputs, an input|output grid and metrics.");
  a.option("data", "", "prepared data folder (its photo/test is used)", true)
      .option("run", "runs/default", "run folder")
      .option("model-version", "latest", "snapshot version (train-vN.ckpt) or 'latest' (train.ckpt)")
      .option("batch", "500", "at most this many held-out images").range(1, 1000000)
      .option("size", "128", "resolution").range(16, 1024)
      .option("face-api", default_face_api_dir(), "face-api weights folder for the landmark metric");
  declare_threads(a, "CPU threads");
  if (!a.parse(argv)) return 0;
  torch::set_num_threads(a.integer("threads"));
  RunDir run(a.str("run"));
  const std::string ckpt = snapshot_for(run, a.str("model-version"));
  Generator g(checkpoint_generator_config(ckpt));
  const CheckpointState state = load_checkpoint(ckpt, {g, {}, {}});
  g->eval();
  const std::string test_dir = photo_folder(a.str("data")) + "/test";
  auto files = list_images({fs::exists(test_dir) ? test_dir : photo_folder(a.str("data"))});
  if (files.size() > size_t(a.integer("batch"))) files.resize(size_t(a.integer("batch")));
  const std::string out = run.path + "/test-v" + a.str("model-version");
  fs::create_directories(out);
  LandmarkLoss landmarks(a.str("face-api"));
  torch::NoGradGuard ng;
  std::vector<torch::Tensor> ins, outs;
  double lm_sum = 0, l1_sum = 0;
  Progress progress("test", 0, int64_t(files.size()), 100);
  for (size_t i = 0; i < files.size(); ++i) {
    torch::Tensor x = load_image_tensor(files[i], a.integer("size"));
    if (!x.defined()) continue;
    x = x.unsqueeze(0);
    torch::Tensor y = g->forward(x);
    lm_sum += landmarks.distance(y, landmarks.landmarks(x)).item<double>();
    l1_sum += (y - x).abs().mean().item<double>();
    if (ins.size() < 16) {
      ins.push_back(x);
      outs.push_back(y);
    }
    write_grid(out + "/" + fs::path(files[i]).stem().string() + ".png", {y}, 1);
    progress.update(int64_t(i + 1), {});
  }
  progress.finish();
  if (ins.empty()) throw Error("no readable held-out images in " + test_dir);
  write_grid(out + "/grid.png", {torch::cat(ins), torch::cat(outs)}, 16);
  const double n = double(files.size());
  std::ofstream summary(out + "/metrics.txt");
  char text[512];
  std::snprintf(text, sizeof text,
                "snapshot %s (%lld iterations)\nimages %zu\nlandmark_displacement_px112 %.3f\nmean_abs_change %.4f\n",
                ckpt.c_str(), (long long)state.iteration, files.size(), lm_sum / n, l1_sum / n);
  summary << text;
  std::printf("%swrote %zu outputs, %s/grid.png and %s/metrics.txt\n", text, files.size(), out.c_str(), out.c_str());
  return 0;
}

}  // namespace cartoonize::train
