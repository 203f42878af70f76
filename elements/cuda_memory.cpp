#include "cuda_memory.h"

#include <chrono>
#include <cstring>
#include <mutex>
#include <string>

#include "gstcartoonize_private.h"

#ifdef CARTOONIZE_WITH_CUDA_MEMORY
#include <dlfcn.h>
#include <gst/cuda/gstcudabufferpool.h>
#include <gst/cuda/gstcudacontext.h>
#include <gst/cuda/gstcudaloader.h>
#include <gst/cuda/gstcudamemory.h>
#include <gst/cuda/gstcudautils.h>
#endif

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

// The Engine always runs on the first CUDA device (core/engine.cpp).
constexpr int kDeviceId = 0;

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
const char* cuda_memory_refusal(GstCartoonize* self) {
#ifndef CARTOONIZE_WITH_CUDA_MEMORY
  (void)self;
  return "this build has no GStreamer CUDA support";
#else
  GstCartoonizeDevice device;
  {
    std::lock_guard<std::mutex> lock(*self->settings_lock);
    device = self->settings->device;
  }
  if (device == GST_CARTOONIZE_DEVICE_CPU) return "device=cpu";
  static const bool have_gpu = cartoonize::cuda_available();  // probing the driver once is enough
  if (!have_gpu) return "no CUDA device";
  return nullptr;
#endif
}

#ifdef CARTOONIZE_WITH_CUDA_MEMORY
cartoonize::ImageView view_of(GstVideoFrame& frame, cartoonize::PixelLayout layout) {
  cartoonize::ImageView view;
  view.data = static_cast<uint8_t*>(GST_VIDEO_FRAME_PLANE_DATA(&frame, 0));
  view.width = GST_VIDEO_FRAME_WIDTH(&frame);
  view.height = GST_VIDEO_FRAME_HEIGHT(&frame);
  view.stride = GST_VIDEO_FRAME_PLANE_STRIDE(&frame, 0);
  view.layout = layout;
  return view;
}

// Face modes: dlib's detector and shape predictor need the pixels on the
// host, so the buffer is mapped to system memory for reading (GStreamer
// downloads it into its staging copy; nothing is uploaded back) and tracked
// as on the ordinary path. False when that fails: the ordinary path then
// retries (tracking this frame once more) and reports the error.
bool track_on_host(GstCartoonize* self, State& st, GstBuffer* buffer, GstVideoInfo* info, const FrameSettings& fs,
                   std::vector<cartoonize::faces::TrackedFace>& faces) {
  GstVideoFrame host;
  if (!gst_video_frame_map(&host, info, buffer, GST_MAP_READ)) return false;
  bool ok = true;
  try {
    faces = gst_cartoonize_find_faces(self, st, view_of(host, st.layout), buffer, fs);
  } catch (const std::exception& e) {
    GST_WARNING_OBJECT(self, "face tracking on the CUDA path: %s", e.what());
    ok = false;
  }
  gst_video_frame_unmap(&host);
  return ok;
}
#endif

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

GstCaps* gst_cartoonize_transform_caps(GstBaseTransform* trans, GstPadDirection direction, GstCaps* caps,
                                       GstCaps* filter) {
  auto* self = GST_CARTOONIZE(trans);
  // In place: the other pad takes the same caps, features included.
  GstCaps* out = filter ? gst_caps_intersect_full(filter, caps, GST_CAPS_INTERSECT_FIRST) : gst_caps_ref(caps);
  if (!caps_have_cuda_memory(out)) return out;
  const char* refusal = cuda_memory_refusal(self);
  if (!refusal) return out;
  out = gst_caps_make_writable(out);
  for (guint i = gst_caps_get_size(out); i-- > 0;)
    if (has_cuda_feature(gst_caps_get_features(out, i))) gst_caps_remove_structure(out, i);
  GST_DEBUG_OBJECT(self, "%s: memory:CUDAMemory caps left out (%s), system memory only: %" GST_PTR_FORMAT,
                   direction == GST_PAD_SINK ? "sink" : "src", refusal, out);
  return out;
}

gboolean gst_cartoonize_cuda_set_caps(GstCartoonize* self, GstCaps* caps) {
  const bool cuda = caps_have_cuda_memory(caps);
  if (cuda) {
    if (const char* refusal = cuda_memory_refusal(self)) {
      GST_WARNING_OBJECT(self, "refusing memory:CUDAMemory caps (%s); offer system memory instead", refusal);
      return FALSE;
    }
  }
  std::lock_guard<std::mutex> lock(self->cuda->lock);
  self->cuda->negotiated = cuda;
  GST_INFO_OBJECT(self, "negotiated %s memory", cuda ? "CUDA" : "system");
  return TRUE;
}

void gst_cartoonize_cuda_open(GstCartoonize* self) {
#ifdef CARTOONIZE_WITH_CUDA_MEMORY
  if (cuda_memory_refusal(self) || !gst_cuda_load_library()) return;
  CudaMemory& cm = *self->cuda;
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
      GST_WARNING_OBJECT(self, "cannot retain the primary CUDA context of device %d: CUDA buffers will be copied "
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
  GST_INFO_OBJECT(self, "offering the primary CUDA context of device %d (LibTorch's) to the pipeline", kDeviceId);
  // The pipeline keeps it and gives it to elements added later; posted
  // without our lock held (a bin may call set_context back).
  gst_element_post_message(GST_ELEMENT(self), gst_message_new_have_context(GST_OBJECT(self), offer));
#else
  (void)self;
#endif
}

void gst_cartoonize_cuda_close(GstCartoonize* self) {
  CudaMemory& cm = *self->cuda;
  std::lock_guard<std::mutex> lock(cm.lock);
  cm.negotiated = false;
#ifdef CARTOONIZE_WITH_CUDA_MEMORY
  if (cm.context) gst_object_unref(cm.context);
  cm.context = nullptr;
  if (cm.primary) cm.release_primary(cm.device);
  cm.primary = nullptr;
#endif
}

gboolean gst_cartoonize_cuda_propose_allocation(GstCartoonize* self, GstQuery* query) {
  GstCaps* caps = nullptr;
  gst_query_parse_allocation(query, &caps, nullptr);
  if (!caps || !caps_have_cuda_memory(caps)) return FALSE;
  gst_query_add_allocation_meta(query, GST_VIDEO_META_API_TYPE, nullptr);
#ifdef CARTOONIZE_WITH_CUDA_MEMORY
  GstVideoInfo info;
  CudaMemory& cm = *self->cuda;
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
  (void)self;
#endif
  return TRUE;
}

void gst_cartoonize_cuda_set_context(GstCartoonize* self, GstContext* context) {
#ifdef CARTOONIZE_WITH_CUDA_MEMORY
  CudaMemory& cm = *self->cuda;
  std::lock_guard<std::mutex> lock(cm.lock);
  gst_cuda_handle_set_context(GST_ELEMENT(self), context, kDeviceId, &cm.context);  // keeps ours if we have one
#else
  (void)self;
  (void)context;
#endif
}

gboolean gst_cartoonize_cuda_handle_query(GstCartoonize* self, GstQuery* query) {
#ifdef CARTOONIZE_WITH_CUDA_MEMORY
  if (GST_QUERY_TYPE(query) != GST_QUERY_CONTEXT) return FALSE;
  CudaMemory& cm = *self->cuda;
  std::lock_guard<std::mutex> lock(cm.lock);
  return gst_cuda_handle_context_query(GST_ELEMENT(self), query, cm.context);
#else
  (void)self;
  (void)query;
  return FALSE;
#endif
}

gboolean gst_cartoonize_cuda_transform_ip(GstCartoonize* self, GstBuffer* buffer) {
#ifndef CARTOONIZE_WITH_CUDA_MEMORY
  (void)self;
  (void)buffer;
  return FALSE;
#else
  CudaMemory& cm = *self->cuda;
  {
    std::lock_guard<std::mutex> lock(cm.lock);
    if (!cm.negotiated) return FALSE;
    GstMemory* mem = gst_buffer_n_memory(buffer) == 1 ? gst_buffer_peek_memory(buffer, 0) : nullptr;
    if (!mem || !gst_is_cuda_memory(mem)) return FALSE;
    // Only the primary context's pointers are valid in LibTorch's kernels.
    if (!cm.primary || gst_cuda_context_get_handle(GST_CUDA_MEMORY_CAST(mem)->context) != cm.primary) {
      if (!cm.warned_foreign)
        GST_WARNING_OBJECT(self, "CUDA buffers from another CUDA context: copied through system memory (slower)");
      cm.warned_foreign = true;
      return FALSE;
    }
  }
  FrameSettings fs;
  {
    std::lock_guard<std::mutex> lock(*self->settings_lock);
    fs = *self->settings;
  }
  std::unique_lock<std::mutex> lock(*self->state_lock);
  State& st = *self->state;
  if (!st.engine || st.engine->cuda_device() != kDeviceId) return FALSE;
  GstVideoInfo* info = &GST_VIDEO_FILTER(self)->in_info;
  const bool whole_frame = fs.mode != GST_CARTOONIZE_MODE_FACE;
  if (whole_frame &&
      int64_t(GST_VIDEO_INFO_WIDTH(info)) * GST_VIDEO_INFO_HEIGHT(info) > gst_cartoonize_max_pixels(fs, *st.engine))
    return FALSE;  // scaled down on the host (frame_within.h)
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<cartoonize::faces::TrackedFace> faces;
  if (fs.mode != GST_CARTOONIZE_MODE_FRAME && !track_on_host(self, st, buffer, info, fs, faces)) return FALSE;
  GstVideoFrame frame;
  if (!gst_video_frame_map(&frame, info, buffer, GstMapFlags(GST_MAP_READWRITE | GST_MAP_CUDA))) return FALSE;
  const cartoonize::ImageView view = view_of(frame, st.layout);  // a device pointer
  std::string error;
  try {
    if (fs.mode == GST_CARTOONIZE_MODE_FRAME) {
      st.engine->cartoonize_device_frame(view, fs.strength);
    } else {
      cartoonize::faces::FaceStyle style;
      style.margin = fs.crop_margin;
      cartoonize::faces::cartoonize_faces_in_device_frame(*st.engine, view, faces, style, fs.strength,
                                                          whole_frame ? fs.strength : 0.f);
    }
  } catch (const std::exception& e) {
    error = e.what();
  }
  gst_video_frame_unmap(&frame);
  if (!error.empty()) {
    GST_WARNING_OBJECT(self, "on the GPU: %s; trying the frame through system memory", error.c_str());
    return FALSE;  // the ordinary path retries, reports, and with device=auto falls back to the CPU
  }
  const GstClockTime took =
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count();
  st.processing_ema = st.processing_ema ? (st.processing_ema * 7 + took) / 8 : took;
  const bool outgrown = st.processing_ema > st.reported_latency + st.reported_latency / 4;
  const bool faces_on = fs.mode != GST_CARTOONIZE_MODE_FRAME && st.tracker != nullptr;
  lock.unlock();
  if (fs.mode == GST_CARTOONIZE_MODE_FRAME)
    GST_LOG_OBJECT(self, "cartoonized in CUDA memory");
  else
    GST_LOG_OBJECT(self, "cartoonized in CUDA memory (%zu faces, found on a host copy)", faces.size());
  if (faces_on) gst_cartoonize_publish_faces(self, buffer, faces, fs.post_messages);
  if (outgrown) gst_element_post_message(GST_ELEMENT(self), gst_message_new_latency(GST_OBJECT(self)));
  return TRUE;
#endif
}
