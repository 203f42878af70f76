#include "graph_checks.h"

#include <limits>

#include "engine.h"

namespace cartoonize::bench {
namespace {

torch::Tensor cartoonized(Engine& e, const torch::Tensor& frame) {
  torch::Tensor t = frame.clone();
  e.cartoonize_frame({t.data_ptr<uint8_t>(), int(t.size(1)), int(t.size(0)), t.size(1) * 3, PixelLayout::RGB}, 1.f);
  return t;
}

}  // namespace

std::vector<Check> graph_checks(const std::string& model, const torch::Tensor& small, const torch::Tensor& large) {
  std::vector<Check> checks;
  // Runs of one size: 2 eager warm-ups, then capture + replay, then replays.
  const std::vector<std::pair<const torch::Tensor*, int>> runs = {{&small, 4}, {&large, 3}, {&small, 3}};
  int64_t expected_replays = 0;
  for (const auto& [frame, n] : runs) {
    (void)frame;
    expected_replays += n - 2;
  }
  struct Case {
    bool half;
    int inference_size;
  };
  for (const Case c : {Case{false, 256}, Case{true, 0}}) {
    const std::string tag = std::string(c.half ? "fp16" : "fp32") +
                            (c.inference_size ? " @" + std::to_string(c.inference_size) : std::string(" full"));
    EngineOptions o{model, DeviceChoice::Cuda, std::nullopt, c.inference_size, c.half};
    o.cuda_graphs = false;
    auto eager = Engine::create(o);
    o.cuda_graphs = true;
    std::string warning;
    o.on_warning = [&](const std::string& m) { warning = m; };
    auto graphed = Engine::create(o);
    double worst = 0, worst_mean = 0, min_psnr = std::numeric_limits<double>::infinity();
    bool all_pass = true;
    for (const auto& [frame, n] : runs) {
      for (int i = 0; i < n; ++i) {
        const std::string size = std::to_string(frame->size(1)) + "x" + std::to_string(frame->size(0));
        const Check step = compare_bytes("CUDA graph vs eager, " + tag + " " + size + " frame " + std::to_string(i + 1),
                                         cartoonized(*graphed, *frame), cartoonized(*eager, *frame), 50.0, 0.01, 2);
        all_pass &= step.pass;
        worst = std::max(worst, step.max_diff);
        worst_mean = std::max(worst_mean, step.mean_diff);
        min_psnr = std::min(min_psnr, step.psnr);
      }
    }
    Check summary{"CUDA graph vs eager, " + tag + ", 10 frames through two size changes (worst frame)", min_psnr,
                  worst_mean, worst, 1.0, all_pass};
    checks.push_back(summary);
    const int64_t replays = graphed->cuda_graph_replays();
    checks.push_back(verdict("CUDA graph replays, " + tag + ": " + std::to_string(replays) + " of " +
                                 std::to_string(expected_replays) + " expected" +
                                 (warning.empty() ? std::string() : " (warning: " + warning + ")"),
                             replays == expected_replays && warning.empty()));
  }
  return checks;
}

}  // namespace cartoonize::bench
