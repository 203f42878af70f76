// Capture and replay of the generator's forward (see graphed_forward.h).
#include "graphed_forward.h"

#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDAStream.h>
#include <cuda_runtime.h>

namespace cartoonize {

GraphedForward::GraphedForward(std::function<void(const std::string&)> warn) : warn_(std::move(warn)) {}
GraphedForward::~GraphedForward() = default;

bool GraphedForward::same_input(const torch::Tensor& x) const {
  return x.sizes().vec() == sizes_ && x.strides().vec() == strides_ && x.scalar_type() == dtype_;
}

void GraphedForward::drop() {
  in_ = out_ = torch::Tensor();  // the pool's tensors first,
  graph_.reset();                // then ~CUDAGraph releases the private pool
}

bool GraphedForward::capture(ImageModel& model, const torch::Tensor& x) {
  const c10::cuda::CUDAStream stream = c10::cuda::getCurrentCUDAStream();
  std::string why;
  if (stream == c10::cuda::getDefaultCUDAStream(stream.device_index())) {
    why = "the default stream cannot be captured";
  } else {
    try {
      in_ = torch::empty_like(x);  // same sizes, strides (channels_last) and dtype
      in_.copy_(x);
      graph_ = std::make_unique<at::cuda::CUDAGraph>();
      // Thread-local: other threads of the pipeline (another element's
      // engine, GStreamer's CUDA elements) may keep calling CUDA meanwhile.
      graph_->capture_begin({0, 0}, cudaStreamCaptureModeThreadLocal);
      try {
        out_ = model.forward(in_);
      } catch (...) {
        // The stream is still capturing: end it, or every later launch fails.
        cudaGraph_t partial = nullptr;
        if (cudaStreamEndCapture(stream.stream(), &partial) == cudaSuccess && partial) cudaGraphDestroy(partial);
        throw;
      }
      graph_->capture_end();
      return true;
    } catch (const std::exception& e) {
      why = e.what();
      why = why.substr(0, why.find('\n'));
    }
  }
  drop();
  (void)cudaGetLastError();  // a failed capture leaves a (non-sticky) error behind
  failed_ = true;
  warn_("CUDA graph capture of the generator failed (" + why + "); running it eagerly from now on");
  return false;
}

torch::Tensor GraphedForward::run(ImageModel& model, const torch::Tensor& x) {
  if (failed_ || !x.is_cuda()) return model.forward(x);
  if (!same_input(x)) {
    drop();
    sizes_ = x.sizes().vec();
    strides_ = x.strides().vec();
    dtype_ = x.scalar_type();
    eager_runs_ = 0;
  }
  if (!graph_) {
    if (eager_runs_ < kWarmupRuns) {
      ++eager_runs_;
      return model.forward(x);
    }
    if (!capture(model, x)) return model.forward(x);
  } else {
    in_.copy_(x);
  }
  graph_->replay();  // capturing records the kernels without running them
  ++replays_;
  return out_;
}

}  // namespace cartoonize
