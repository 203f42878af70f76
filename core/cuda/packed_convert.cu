#include <cuda_runtime.h>

#include "packed_convert.h"

namespace cartoonize::cuda {
namespace {

__global__ void packed_to_planar_kernel(const uint8_t* src, int width, int height, std::ptrdiff_t stride, int bpp,
                                        bool bgr, float scale, float offset, float* dst) {
  const int x = blockIdx.x * blockDim.x + threadIdx.x;
  const int y = blockIdx.y * blockDim.y + threadIdx.y;
  if (x >= width || y >= height) return;
  const uint8_t* p = src + y * stride + x * bpp;
  const size_t plane = size_t(width) * height;
  const size_t i = size_t(y) * width + x;
  const int r = bgr ? 2 : 0, b = bgr ? 0 : 2;
  dst[i] = p[r] * scale + offset;
  dst[plane + i] = p[1] * scale + offset;
  dst[2 * plane + i] = p[b] * scale + offset;
}

__device__ uint8_t blend(uint8_t in, float model, float scale, float offset, float strength) {
  float v = in + strength * ((model * scale + offset) - in);
  v = fminf(fmaxf(v, 0.f), 255.f);
  return static_cast<uint8_t>(rintf(v));
}

__global__ void planar_blend_kernel(const float* src, int width, int height, float scale, float offset,
                                    float strength, uint8_t* frame, std::ptrdiff_t stride, int bpp, bool bgr) {
  const int x = blockIdx.x * blockDim.x + threadIdx.x;
  const int y = blockIdx.y * blockDim.y + threadIdx.y;
  if (x >= width || y >= height) return;
  uint8_t* p = frame + y * stride + x * bpp;
  const size_t plane = size_t(width) * height;
  const size_t i = size_t(y) * width + x;
  const int r = bgr ? 2 : 0, b = bgr ? 0 : 2;
  p[r] = blend(p[r], src[i], scale, offset, strength);
  p[1] = blend(p[1], src[plane + i], scale, offset, strength);
  p[b] = blend(p[b], src[2 * plane + i], scale, offset, strength);
}

dim3 grid_for(int width, int height, dim3 block) {
  return dim3((width + block.x - 1) / block.x, (height + block.y - 1) / block.y);
}

}  // namespace

int packed_to_planar(const uint8_t* src, int width, int height, std::ptrdiff_t stride, int bpp, bool bgr,
                     float scale, float offset, float* dst, void* stream) {
  const dim3 block(32, 8);
  packed_to_planar_kernel<<<grid_for(width, height, block), block, 0, static_cast<cudaStream_t>(stream)>>>(
      src, width, height, stride, bpp, bgr, scale, offset, dst);
  return static_cast<int>(cudaGetLastError());
}

int planar_blend_to_packed(const float* src, int width, int height, float scale, float offset, float strength,
                           uint8_t* frame, std::ptrdiff_t stride, int bpp, bool bgr, void* stream) {
  const dim3 block(32, 8);
  planar_blend_kernel<<<grid_for(width, height, block), block, 0, static_cast<cudaStream_t>(stream)>>>(
      src, width, height, scale, offset, strength, frame, stride, bpp, bgr);
  return static_cast<int>(cudaGetLastError());
}

}  // namespace cartoonize::cuda
