// gpu-check's face-mode part: the tensor warp/paste (core/face_warp.h) on the
// device against the OpenCV references (face_fixture.h), the Engine's device
// face path against the CPU engine, and its timing. LibTorch only.
#pragma once
#include <string>
#include <vector>

#include "checks.h"
#include "frame_bench.h"

namespace cartoonize::bench {

// faces-*.pt in frames_dir; none there is a failed check (the references are
// what makes this a comparison with OpenCV). gpu: the CUDA device, else the
// CPU (the checks then hold the CPU tensors to OpenCV, as tests/faces do).
std::vector<Check> face_checks(const std::string& frames_dir, const std::string& model, bool gpu);

// Engine::cartoonize_device_faces per frame on the 1920x1080 group fixture
// with 1, 3 and 8 faces (its 3 faces repeated), fp32 and (CUDA) fp16.
std::vector<Row> face_bench(const std::string& frames_dir, const std::string& model, bool gpu, int reps);

}  // namespace cartoonize::bench
