#include "cuda_memory.h"

#include <cstring>
#include <exception>
#include <mutex>
#include <string>

#include "engine.h"

#ifdef CARTOONIZE_WITH_CUDA_MEMORY
#include <dlfcn.h>
#include <gst/cuda/gstcudabufferpool.h>
#include <gst/cuda/gstcudacontext.h>
#include <gst/cuda/gstcudaloader.h>
#include <gst/cuda/gstcudamemory.h>
#include <gst/cuda/gstcudautils.h>
#endif

GST_DEBUG_CATEGORY_EXTERN(gst_cartoonize_debug);
#define GST_CAT_DEFAULT gst_cartoonize_debug

using namespace cartoonize_element;

namespace cartoonize_element {

struct CudaMemory {
  std::mutex lock;
  bool negotiated = false;  // the current caps carry memory:CUDAMemory (streaming thread)
  bool warned_foreign = false;
#ifdef CARTOONIZE_WITH_CUDA_MEMORY
  GstCudaContext* context = nullptr;  // ours (wrapping the primary context) or one set by the pipeline
  CUcontext primary = nullptr;        // the primary context we retained, null when none
  CUdevice device = 0;
  CUresult (*release_primary)(CUdevice) = nullptr;
#endif
};

CudaMemory* cuda_memory_new() { return new CudaMemory(); }
void cuda_memory_free(CudaMemory* cuda) { delete cuda; }

}  // namespace cartoonize_element

namespace {

[[maybe_unused]] constexpr int kDeviceId = kCudaMemoryDevice;  // unused without gstreamer-cuda

bool has_cuda_feature(const GstCapsFeatures* features) {
#ifdef CARTOONIZE_WITH_CUDA_MEMORY
  return features && !gst_caps_features_is_any(features) &&
         gst_caps_features_contains(features, GST_CAPS_FEATURE_MEMORY_CUDA_MEMORY);
#else
  (void)features;
  return false;
#endif
}

bool caps_have_cuda_memory(const GstCaps* caps) {
  for (guint i = 0; caps && i < gst_caps_get_size(caps); ++i)
    if (has_cuda_feature(gst_caps_get_features(caps, i))) return true;
  return false;
}

// Why CUDA memory caps cannot be taken now; null when they can.
const char* cuda_memory_refusal(GstCartoonizeDevice device) {
#ifndef CARTOONIZE_WITH_CUDA_MEMORY
  (void)device;
  return "this build has no GStreamer CUDA support";
#else
  if (device == GST_CARTOONIZE_DEVICE_CPU) return "device=cpu";
  static const bool have_gpu = cartoonize::cuda_available();  // probing the driver once is enough
  if (!have_gpu) return "no CUDA device";
  return nullptr;
#endif
}


}  // namespace

GstCaps* gst_cartoonize_template_caps(const char* formats) {
  std::string caps = std::string("video/x-raw, format=") + formats +
                     ", width=" GST_VIDEO_SIZE_RANGE ", height=" GST_VIDEO_SIZE_RANGE ", framerate=" GST_VIDEO_FPS_RANGE;
#ifdef CARTOONIZE_WITH_CUDA_MEMORY
  const std::string cuda = "video/x-raw(" GST_CAPS_FEATURE_MEMORY_CUDA_MEMORY ")" + caps.substr(strlen("video/x-raw"));
  caps = cuda + "; " + caps;
#endif
  return gst_caps_from_string(caps.c_str());
}

GstCaps* gst_cartoonize_cuda_transform_caps(GstElement* element, GstCartoonizeDevice device, GstPadDirection direction,
                                            GstCaps* caps, GstCaps* filter) {
  // In place: the other pad takes the same caps, features included.
  GstCaps* out = filter ? gst_caps_intersect_full(filter, caps, GST_CAPS_INTERSECT_FIRST) : gst_caps_ref(caps);
  if (!caps_have_cuda_memory(out)) return out;
  const char* refusal = cuda_memory_refusal(device);
  if (!refusal) return out;
  out = gst_caps_make_writable(out);
  for (guint i = gst_caps_get_size(out); i-- > 0;)
    if (has_cuda_feature(gst_caps_get_features(out, i))) gst_caps_remove_structure(out, i);
  GST_DEBUG_OBJECT(element, "%s: memory:CUDAMemory caps left out (%s), system memory only: %" GST_PTR_FORMAT,
                   direction == GST_PAD_SINK ? "sink" : "src", refusal, out);
  return out;
}

gboolean gst_cartoonize_cuda_set_caps(GstElement* element, CudaMemory& cm, GstCartoonizeDevice device, GstCaps* caps) {
  const bool cuda = caps_have_cuda_memory(caps);
  if (cuda) {
    if (const char* refusal = cuda_memory_refusal(device)) {
      GST_WARNING_OBJECT(element, "refusing memory:CUDAMemory caps (%s); offer system memory instead", refusal);
      return FALSE;
    }
  }
  std::lock_guard<std::mutex> lock(cm.lock);
  cm.negotiated = cuda;
  GST_INFO_OBJECT(element, "negotiated %s memory", cuda ? "CUDA" : "system");
  return TRUE;
}

void gst_cartoonize_cuda_open(GstElement* element, CudaMemory& cm, GstCartoonizeDevice device) {
#ifdef CARTOONIZE_WITH_CUDA_MEMORY
  if (cuda_memory_refusal(device) || !gst_cuda_load_library()) return;
  GstContext* offer = nullptr;
  {
    std::lock_guard<std::mutex> lock(cm.lock);
    if (cm.context) return;  // the pipeline gave us one already
    // GStreamer 1.22's driver table has no cuDevicePrimaryCtxRetain; the
    // driver library gst_cuda_load_library just loaded has.
    void* driver = dlopen("libcuda.so.1", RTLD_NOW | RTLD_NOLOAD);
    auto retain = driver ? reinterpret_cast<CUresult (*)(CUcontext*, CUdevice)>(dlsym(driver, "cuDevicePrimaryCtxRetain"))
                         : nullptr;
    void* release = driver ? dlsym(driver, "cuDevicePrimaryCtxRelease_v2") : nullptr;  // cuda.h's name since 11.0
    if (driver && !release) release = dlsym(driver, "cuDevicePrimaryCtxRelease");
    cm.release_primary = reinterpret_cast<CUresult (*)(CUdevice)>(release);
    CUcontext primary = nullptr;
    if (!retain || !cm.release_primary || CuInit(0) != CUDA_SUCCESS ||
        CuDeviceGet(&cm.device, kDeviceId) != CUDA_SUCCESS || retain(&primary, cm.device) != CUDA_SUCCESS) {
      GST_WARNING_OBJECT(element, "cannot retain the primary CUDA context of device %d: CUDA buffers will be copied "
                               "through system memory", kDeviceId);
      return;
    }
    cm.context = gst_cuda_context_new_wrapped(primary, cm.device);
    if (!cm.context) {
      cm.release_primary(cm.device);
      return;
    }
    cm.primary = primary;
    offer = gst_context_new_cuda_context(cm.context);
  }
  GST_INFO_OBJECT(element, "offering the primary CUDA context of device %d (LibTorch's) to the pipeline", kDeviceId);
  // The pipeline keeps it and gives it to elements added later; posted
  // without our lock held (a bin may call set_context back).
  gst_element_post_message(element, gst_message_new_have_context(GST_OBJECT(element), offer));
#else
  (void)element;
  (void)cm;
  (void)device;
#endif
}

void gst_cartoonize_cuda_close(CudaMemory& cm) {
  std::lock_guard<std::mutex> lock(cm.lock);
  cm.negotiated = false;
#ifdef CARTOONIZE_WITH_CUDA_MEMORY
  if (cm.context) gst_object_unref(cm.context);
  cm.context = nullptr;
  if (cm.primary) cm.release_primary(cm.device);
  cm.primary = nullptr;
#endif
}

gboolean gst_cartoonize_cuda_propose_allocation(CudaMemory& cm, GstQuery* query) {
  GstCaps* caps = nullptr;
  gst_query_parse_allocation(query, &caps, nullptr);
  if (!caps || !caps_have_cuda_memory(caps)) return FALSE;
  gst_query_add_allocation_meta(query, GST_VIDEO_META_API_TYPE, nullptr);
#ifdef CARTOONIZE_WITH_CUDA_MEMORY
  GstVideoInfo info;
  std::lock_guard<std::mutex> lock(cm.lock);
  if (!cm.primary || !gst_video_info_from_caps(&info, caps)) return TRUE;  // upstream brings its own pool
  GstBufferPool* pool = gst_cuda_buffer_pool_new(cm.context);
  GstStructure* config = gst_buffer_pool_get_config(pool);
  gst_buffer_pool_config_set_params(config, caps, guint(GST_VIDEO_INFO_SIZE(&info)), 0, 0);
  gst_buffer_pool_config_add_option(config, GST_BUFFER_POOL_OPTION_VIDEO_META);
  if (gst_buffer_pool_set_config(pool, config))
    gst_query_add_allocation_pool(query, pool, guint(GST_VIDEO_INFO_SIZE(&info)), 0, 0);
  gst_object_unref(pool);
#else
  (void)cm;
#endif
  return TRUE;
}

void gst_cartoonize_cuda_set_context(GstElement* element, CudaMemory& cm, GstContext* context) {
#ifdef CARTOONIZE_WITH_CUDA_MEMORY
  std::lock_guard<std::mutex> lock(cm.lock);
  gst_cuda_handle_set_context(element, context, kDeviceId, &cm.context);  // keeps ours if we have one
#else
  (void)element;
  (void)cm;
  (void)context;
#endif
}

gboolean gst_cartoonize_cuda_handle_query(GstElement* element, CudaMemory& cm, GstQuery* query) {
#ifdef CARTOONIZE_WITH_CUDA_MEMORY
  if (GST_QUERY_TYPE(query) != GST_QUERY_CONTEXT) return FALSE;
  std::lock_guard<std::mutex> lock(cm.lock);
  return gst_cuda_handle_context_query(element, query, cm.context);
#else
  (void)element;
  (void)cm;
  (void)query;
  return FALSE;
#endif
}

gboolean gst_cartoonize_cuda_buffer_usable(GstElement* element, CudaMemory& cm, GstBuffer* buffer) {
#ifndef CARTOONIZE_WITH_CUDA_MEMORY
  (void)element;
  (void)cm;
  (void)buffer;
  return FALSE;
#else
  std::lock_guard<std::mutex> lock(cm.lock);
  if (!cm.negotiated) return FALSE;
  GstMemory* mem = gst_buffer_n_memory(buffer) == 1 ? gst_buffer_peek_memory(buffer, 0) : nullptr;
  if (!mem || !gst_is_cuda_memory(mem)) return FALSE;
  // Only the primary context's pointers are valid in LibTorch's kernels.
  if (cm.primary && gst_cuda_context_get_handle(GST_CUDA_MEMORY_CAST(mem)->context) == cm.primary) return TRUE;
  if (!cm.warned_foreign)
    GST_WARNING_OBJECT(element, "CUDA buffers from another CUDA context: copied through system memory (slower)");
  cm.warned_foreign = true;
  return FALSE;
#endif
}

std::string gst_cartoonize_cuda_run(GstBuffer* buffer, GstVideoInfo* info,
                                    const std::function<void(const GstVideoFrame&)>& fn) {
#ifndef CARTOONIZE_WITH_CUDA_MEMORY
  (void)buffer;
  (void)info;
  (void)fn;
  return "this build has no GStreamer CUDA support";
#else
  GstVideoFrame frame;
  if (!gst_video_frame_map(&frame, info, buffer, GstMapFlags(GST_MAP_READWRITE | GST_MAP_CUDA)))
    return "cannot map the buffer's CUDA memory";
  std::string error;
  try {
    fn(frame);
  } catch (const std::exception& e) {
    error = e.what()[0] ? e.what() : "unknown error";
  } catch (...) {
    error = "unknown error";
  }
  gst_video_frame_unmap(&frame);
  return error;
#endif
}
