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
#pragma once
#include <gst/video/video.h>

#include "gstcartoonize.h"

namespace cartoonize_element {

struct CudaMemory;  // the wrapped context and whether CUDA caps were negotiated
CudaMemory* cuda_memory_new();
void cuda_memory_free(CudaMemory* cuda);

}  // namespace cartoonize_element

// Both pads' template: CUDA memory first (when built with it), then system
// memory, for the same formats. Transfer full.
GstCaps* gst_cartoonize_template_caps(const char* formats);

// transform_caps for an in-place element: `caps` unchanged, less its CUDA
// memory structures when those cannot be accepted now (the device property is
// cpu, or no CUDA device): negotiation then falls back to system memory.
GstCaps* gst_cartoonize_transform_caps(GstBaseTransform* trans, GstPadDirection direction, GstCaps* caps,
                                       GstCaps* filter);

// Called from set_info: FALSE (with a warning in the debug log) for CUDA
// memory caps the element cannot take; remembers what was negotiated.
gboolean gst_cartoonize_cuda_set_caps(GstCartoonize* self, GstCaps* caps);

// NULL->READY: wraps the primary context when CUDA memory is possible, before
// upstream elements open and look for a context. READY->NULL: releases it.
void gst_cartoonize_cuda_open(GstCartoonize* self);
void gst_cartoonize_cuda_close(GstCartoonize* self);

// propose_allocation for CUDA memory caps: no system-memory pool (what
// GstVideoFilter would offer) but a CUDA pool in our context when we have
// one. FALSE for other caps (the caller chains up).
gboolean gst_cartoonize_cuda_propose_allocation(GstCartoonize* self, GstQuery* query);

// GstElement::set_context and the CONTEXT query ("gst.cuda.context").
void gst_cartoonize_cuda_set_context(GstCartoonize* self, GstContext* context);
gboolean gst_cartoonize_cuda_handle_query(GstCartoonize* self, GstQuery* query);

// Cartoonizes a CUDA-memory buffer on the GPU (face modes: faces tracked on a
// read-only host map, see above). FALSE when this buffer cannot take that
// path (system memory, another CUDA context, over max-pixels, the engine on
// the CPU, a CUDA or tracking error): the caller then maps it to system
// memory and runs the ordinary path, which also reports errors.
gboolean gst_cartoonize_cuda_transform_ip(GstCartoonize* self, GstBuffer* buffer);
