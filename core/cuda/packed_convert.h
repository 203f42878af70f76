// CUDA kernels between packed 8-bit frames and planar float tensors, so a
// frame crosses the bus once as bytes and all conversion runs on the GPU.
// Plain C++ interface (no LibTorch): the kernels are compiled by nvcc alone.
#pragma once
#include <cstddef>
#include <cstdint>

namespace cartoonize::cuda {

// src: packed frame on the device (rows `stride` bytes apart, `bpp` bytes a
// pixel, R,G,B or B,G,R first). dst: 3 planes of h*w floats, RGB order,
// value = byte * scale + offset. Returns a cudaError_t as int.
int packed_to_planar(const uint8_t* src, int width, int height, std::ptrdiff_t stride, int bpp, bool bgr,
                     float scale, float offset, float* dst, void* stream);

// Blends planar model output back into the packed frame in place:
// byte = round(clamp(in + strength * ((x * scale + offset) - in), 0, 255)).
// The 4th byte of 4-byte pixels is left untouched.
int planar_blend_to_packed(const float* src, int width, int height, float scale, float offset, float strength,
                           uint8_t* frame, std::ptrdiff_t stride, int bpp, bool bgr, void* stream);

}  // namespace cartoonize::cuda
