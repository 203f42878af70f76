// CUDA graphs for the generator at a fixed input shape (frame mode: every
// frame of a stream has the same size). The forward is launched as one graph
// instead of dozens of kernels, which saves the per-kernel launch cost that
// dominates small inference sizes on a fast GPU. Compiled only with the CUDA
// path (CARTOONIZE_WITH_CUDA); included by core's internals only.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "image_model.h"

namespace at::cuda {
struct CUDAGraph;
}

namespace cartoonize {

class GraphedForward {
 public:
  explicit GraphedForward(std::function<void(const std::string&)> warn);
  ~GraphedForward();
  GraphedForward(const GraphedForward&) = delete;
  GraphedForward& operator=(const GraphedForward&) = delete;

  // model.forward(x) for a CUDA tensor, on the current stream (the engine's;
  // never the legacy default stream, which cannot be captured). The first
  // kWarmupRuns calls at a shape run eagerly (cuDNN's benchmark picks its
  // kernels there, outside any capture); the next one captures the forward
  // into a graph and replays it, later ones only replay. Another shape,
  // dtype or memory format drops the graph and starts over. A capture that
  // fails is warned about once and every later call runs eagerly. The
  // returned tensor is the graph's output buffer: valid until the next call.
  torch::Tensor run(ImageModel& model, const torch::Tensor& x);

  int64_t replays() const { return replays_; }
  bool failed() const { return failed_; }

  static constexpr int kWarmupRuns = 2;

 private:
  bool same_input(const torch::Tensor& x) const;
  bool capture(ImageModel& model, const torch::Tensor& x);
  void drop();

  std::function<void(const std::string&)> warn_;
  std::unique_ptr<at::cuda::CUDAGraph> graph_;
  torch::Tensor in_, out_;  // the graph's static input and output
  std::vector<int64_t> sizes_, strides_;
  c10::ScalarType dtype_ = c10::ScalarType::Undefined;
  int eager_runs_ = 0;  // at the current shape
  int64_t replays_ = 0;
  bool failed_ = false;
};

}  // namespace cartoonize
