// video/x-raw(memory:CUDAMemory) for the cartoonize element: GStreamer's
// CUDA buffers (nvh264dec, cudaupload, ...) are cartoonized where they are,
// in GPU memory, and handed on as CUDA buffers, so an NVDEC -> cartoonize ->
// NVENC pipeline never copies frames to the host.
//
// LibTorch runs in the primary CUDA context of its device; GStreamer's CUDA
// elements create a context of their own unless a neighbour offers one. The
// element therefore wraps the primary context in a GstCudaContext and answers
// the "gst.cuda.context" query with it, so upstream allocates in the context
// the Engine's kernels run in and its device pointers are used as they are.
// Face modes stay on the GPU too, except that the faces are found on a host
// copy (dlib needs the pixels there): the buffer is mapped for reading only,
// then warped, cartoonized and pasted in GPU memory. Buffers from any other
// context and frames over max-pixels (frame/both modes) are mapped to system
// memory instead (GStreamer downloads and re-uploads them): slower, never
// wrong.
//
// Compiled in every build; without gstreamer-cuda-1.0 (meson -Dgst_cuda_memory,
// CARTOONIZE_WITH_CUDA_MEMORY unset) the caps are system memory only and the
// functions below do nothing.
//
// Only caps, context and memory live here; what a frame goes through is the
// element's (gstcartoonize.cpp), which calls gst_cartoonize_cuda_run.
#pragma once
#include <gst/base/gstbasetransform.h>
#include <gst/video/video.h>

#include <functional>
#include <string>

#include "gstcartoonize_enums.h"

namespace cartoonize_element {

struct CudaMemory;  // the wrapped context and whether CUDA caps were negotiated
CudaMemory* cuda_memory_new();
void cuda_memory_free(CudaMemory* cuda);

// The Engine always runs on the first CUDA device (core/engine.cpp).
constexpr int kCudaMemoryDevice = 0;

}  // namespace cartoonize_element

using cartoonize_element::CudaMemory;

// Both pads' template: CUDA memory first (when built with it), then system
// memory, for the same formats. Transfer full.
GstCaps* gst_cartoonize_template_caps(const char* formats);

// transform_caps for an in-place element: `caps` unchanged, less its CUDA
// memory structures when those cannot be accepted now (the device property is
// cpu, or no CUDA device): negotiation then falls back to system memory.
// `device` is the element's device property.
GstCaps* gst_cartoonize_cuda_transform_caps(GstElement* element, GstCartoonizeDevice device, GstPadDirection direction,
                                            GstCaps* caps, GstCaps* filter);

// Called from set_info: FALSE (with a warning in the debug log) for CUDA
// memory caps the element cannot take; remembers what was negotiated.
gboolean gst_cartoonize_cuda_set_caps(GstElement* element, CudaMemory& cm, GstCartoonizeDevice device, GstCaps* caps);

// NULL->READY: wraps the primary context when CUDA memory is possible, before
// upstream elements open and look for a context. READY->NULL: releases it.
void gst_cartoonize_cuda_open(GstElement* element, CudaMemory& cm, GstCartoonizeDevice device);
void gst_cartoonize_cuda_close(CudaMemory& cm);

// propose_allocation for CUDA memory caps: no system-memory pool (what
// GstVideoFilter would offer) but a CUDA pool in our context when we have
// one. FALSE for other caps (the caller chains up).
gboolean gst_cartoonize_cuda_propose_allocation(CudaMemory& cm, GstQuery* query);

// GstElement::set_context and the CONTEXT query ("gst.cuda.context").
void gst_cartoonize_cuda_set_context(GstElement* element, CudaMemory& cm, GstContext* context);
gboolean gst_cartoonize_cuda_handle_query(GstElement* element, CudaMemory& cm, GstQuery* query);

// True when `buffer` is CUDA memory that LibTorch's kernels can use as it
// is: CUDA caps negotiated, one memory, in our primary context. Buffers of
// another context are refused (with a warning in the debug log, once).
gboolean gst_cartoonize_cuda_buffer_usable(GstElement* element, CudaMemory& cm, GstBuffer* buffer);

// Maps `buffer` for CUDA (device pointers), runs `fn` on the mapped frame and
// unmaps. Returns what went wrong (the map, or what `fn` threw); empty when
// it worked. The caller then takes the frame through system memory.
std::string gst_cartoonize_cuda_run(GstBuffer* buffer, GstVideoInfo* info,
                                    const std::function<void(const GstVideoFrame&)>& fn);
