/**
 * SECTION:element-cartoonize
 * @title: cartoonize
 *
 * Turns video into a cartoon with a LibTorch generator network, on CUDA when
 * a GPU is available and on the CPU otherwise.
 *
 * The model is the installed style chosen with #GstCartoonize:style (the
 * `.ctzm` files of the plugin's styles folder), or the file set as
 * #GstCartoonize:model-location (a `.ctzm`, or a TorchScript image-to-image
 * module exported from PyTorch), which overrides the style.
 *
 * In `mode=face`, the default, only faces are cartoonized: found by dlib's
 * HOG detector or face-api's tiny detector (`detector`),
 * tracked with smoothed 68-point landmarks, aligned, run through the
 * generator in one batch and pasted back through feathered masks; each
 * buffer gets a "face" #GstVideoRegionOfInterestMeta per face. The styles
 * are trained on such aligned face crops, hence the default. With a live
 * source the detector runs on a worker thread after the first frame, so no
 * frame waits for it (new faces join a frame or more later); from files it
 * runs in step and a transcode gives the same faces every time.
 *
 * In `mode=frame` every frame goes through the generator whole (a face-trained
 * style then restyles backgrounds and clothes too). `mode=both` does both.
 *
 * The model is loaded when the element starts (READY→PAUSED); a missing or
 * corrupt model file makes that state change fail with an error message
 * naming the problem. Setting #GstCartoonize:model-location while running
 * loads the new model in the background and swaps it in between two frames
 * (a "model-updated" element message); a bad file posts a warning and the
 * old model stays. Switching #GstCartoonize:style while running goes the same
 * way, and so does a change of #GstCartoonize:inference-size,
 * #GstCartoonize:input-range or #GstCartoonize:cuda-graphs (the model is
 * reloaded with it). #GstCartoonize:mode, #GstCartoonize:strength and the face
 * tracking properties may also change while PLAYING and apply to the next
 * frame. #GstCartoonize:device, #GstCartoonize:threads,
 * #GstCartoonize:detector and #GstCartoonize:landmark-model are read at start
 * only: set while PAUSED or PLAYING, the change is refused with a warning
 * naming the property and the old value stays.
 *
 * Frames larger than #GstCartoonize:max-pixels are cartoonized scaled down
 * and guided back up to full resolution, so 8K input cannot exhaust memory. The latency the
 * element reports covers its slowest recent frames and is announced again
 * when that changes; QoS is on, and with a live source the element cannot
 * keep up with it skips the frames that could no longer be shown in time
 * (QoS messages), so the frames it does process reach the sink on time. An
 * engine failure on CUDA (out of memory, a lost device) with `device=auto`
 * reloads the model on the CPU and carries on, with a warning.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 v4l2src ! videoconvert ! cartoonize ! videoconvert ! autovideosink
 * ]| Cartoonize a webcam live.
 * |[
 * gst-launch-1.0 v4l2src ! videoconvert ! cartoonize mode=face post-messages=true ! videoconvert ! autovideosink
 * ]| Cartoonize only the faces of a webcam, posting a message with the faces of each frame.
 * |[
 * gst-launch-1.0 filesrc location=photo.jpg ! jpegdec ! videoconvert ! cartoonize ! videoconvert ! pngenc ! filesink location=out.png
 * ]| Cartoonize a photo.
 * |[
 * gst-launch-1.0 filesrc location=in.mp4 ! decodebin ! videoconvert ! cartoonize strength=0.8 device=cpu ! videoconvert ! x264enc ! mp4mux ! filesink location=out.mp4
 * ]| Transcode a clip on the CPU, keeping a little of the original look.
 */
#include "gstcartoonize.h"

#include <gst/video/video.h>

#include <chrono>

#include "cuda_memory.h"
#include "frame_view.h"
#include "gstcartoonize_private.h"

GST_DEBUG_CATEGORY(gst_cartoonize_debug);

using namespace cartoonize_element;

#define CARTOONIZE_FORMATS "{ RGB, BGR, RGBx, BGRx, RGBA, BGRA }"

G_DEFINE_TYPE(GstCartoonize, gst_cartoonize, GST_TYPE_VIDEO_FILTER)
GST_ELEMENT_REGISTER_DEFINE(cartoonize, "cartoonize", GST_RANK_NONE, GST_TYPE_CARTOONIZE)

static Settings copy_settings(GstCartoonize* self) {
  std::lock_guard<std::mutex> lock(*self->settings_lock);
  return *self->settings;
}

static GstCartoonizeDevice device_setting(GstCartoonize* self) {
  std::lock_guard<std::mutex> lock(*self->settings_lock);
  return self->settings->device;
}

// In place: the other pad takes the same caps, less CUDA memory when the
// device setting or the machine rules it out (cuda_memory.h).
static GstCaps* gst_cartoonize_transform_caps(GstBaseTransform* trans, GstPadDirection direction, GstCaps* caps,
                                              GstCaps* filter) {
  auto* self = GST_CARTOONIZE(trans);
  return gst_cartoonize_cuda_transform_caps(GST_ELEMENT(self), device_setting(self), direction, caps, filter);
}

static gboolean gst_cartoonize_start(GstBaseTransform* trans) {
  auto* self = GST_CARTOONIZE(trans);
  // Accept model swaps before reading the settings, so none is missed.
  gst_cartoonize_start_model_loader(self);
  const Settings s = copy_settings(self);
  cartoonize::set_cpu_threads(s.threads);
  cartoonize::EngineOptions options = gst_cartoonize_engine_options(self, s);
  std::unique_ptr<cartoonize::Engine> engine = gst_cartoonize_load_engine(self, s, options);
  if (!engine) {
    self->loader->stop();
    return FALSE;
  }
  if (s.device == GST_CARTOONIZE_DEVICE_AUTO)
    GST_INFO_OBJECT(self, "device=auto chose %s", engine->device_name().c_str());
  State fresh;
  fresh.engine_options = options;
  if (s.mode != GST_CARTOONIZE_MODE_FRAME) {
    // Loaded here so a bad landmark model fails the start, not the stream.
    try {
      fresh.detector = gst_cartoonize_make_face_detector(self, s);
    } catch (const std::exception& e) {
      GST_ELEMENT_ERROR(self, RESOURCE, OPEN_READ, ("%s", e.what()), ("landmark-model=%s", s.landmark_model.c_str()));
      self->loader->stop();
      return FALSE;
    } catch (...) {
      GST_ELEMENT_ERROR(self, RESOURCE, OPEN_READ, ("cannot load the landmark model"),
                        ("landmark-model=%s", s.landmark_model.c_str()));
      self->loader->stop();
      return FALSE;
    }
  }
  fresh.engine = std::move(engine);
  {
    std::lock_guard<std::mutex> lock(*self->state_lock);
    self->state->tracker.reset();  // its background worker uses the detector replaced here
    *self->state = std::move(fresh);
  }
  gst_cartoonize_start_face_loader(self);
  return TRUE;
}

static gboolean gst_cartoonize_stop(GstBaseTransform* trans) {
  auto* self = GST_CARTOONIZE(trans);
  self->loader->stop();  // waits for a model being loaded
  self->face_loader->stop();
  State old;
  {
    std::lock_guard<std::mutex> lock(*self->state_lock);
    std::swap(old, *self->state);
  }
  return TRUE;  // `old` frees the model (and its GPU memory) here
}

static gboolean gst_cartoonize_set_info(GstVideoFilter* filter, GstCaps* in_caps, GstVideoInfo* in_info, GstCaps*,
                                        GstVideoInfo*) {
  auto* self = GST_CARTOONIZE(filter);
  if (!gst_cartoonize_cuda_set_caps(GST_ELEMENT(self), *self->cuda, device_setting(self), in_caps)) return FALSE;
  cartoonize::PixelLayout layout;
  switch (GST_VIDEO_INFO_FORMAT(in_info)) {
    case GST_VIDEO_FORMAT_RGB: layout = cartoonize::PixelLayout::RGB; break;
    case GST_VIDEO_FORMAT_BGR: layout = cartoonize::PixelLayout::BGR; break;
    case GST_VIDEO_FORMAT_RGBx: layout = cartoonize::PixelLayout::RGBx; break;
    case GST_VIDEO_FORMAT_BGRx: layout = cartoonize::PixelLayout::BGRx; break;
    case GST_VIDEO_FORMAT_RGBA: layout = cartoonize::PixelLayout::RGBA; break;
    case GST_VIDEO_FORMAT_BGRA: layout = cartoonize::PixelLayout::BGRA; break;
    default:
      GST_ERROR_OBJECT(self, "unsupported format %s", gst_video_format_to_string(GST_VIDEO_INFO_FORMAT(in_info)));
      return FALSE;
  }
  std::lock_guard<std::mutex> lock(*self->state_lock);
  self->state->layout = layout;
  gst_cartoonize_reset_faces(*self->state);  // new size: old landmarks mean nothing
  const int fps_n = GST_VIDEO_INFO_FPS_N(in_info), fps_d = GST_VIDEO_INFO_FPS_D(in_info);
  self->state->latency.set_frame_interval(fps_n > 0 ? gst_util_uint64_scale_int(GST_SECOND, fps_d, fps_n)
                                                    : GST_CLOCK_TIME_NONE);
  self->state->latency.restart();  // new size: new processing time
  return TRUE;
}

static gboolean gst_cartoonize_sink_event(GstBaseTransform* trans, GstEvent* event) {
  if (GST_EVENT_TYPE(event) == GST_EVENT_FLUSH_STOP) {
    auto* self = GST_CARTOONIZE(trans);
    std::lock_guard<std::mutex> lock(*self->state_lock);
    gst_cartoonize_reset_faces(*self->state);
  }
  return GST_BASE_TRANSFORM_CLASS(gst_cartoonize_parent_class)->sink_event(trans, event);
}

// Runs `fn`; returns the message of anything it throws (empty: it worked).
// No exception reaches GStreamer.
template <typename F>
static std::string guarded(F&& fn) {
  try {
    fn();
    return {};
  } catch (const std::exception& e) {
    return e.what()[0] ? e.what() : "unknown error";
  } catch (...) {
    return "unknown error";
  }
}

// The generator's part of a frame on the host, through core's face pipeline
// (face_crops.h): face crops taken from the original frame, then the whole
// frame (mode=frame/both, within max-pixels), then the cartoon faces pasted
// back. The faces are tracked already: a retry does not track again.
static void run_generator(State& st, const cartoonize::ImageView& view,
                          const std::vector<cartoonize::faces::TrackedFace>& faces, const FrameSettings& fs) {
  cartoonize::faces::FaceFrameOptions options;
  options.style.margin = fs.crop_margin;
  options.style.min_crop = fs.min_crop_size;
  options.strength = fs.strength;
  options.frame_strength = fs.mode != GST_CARTOONIZE_MODE_FACE ? fs.strength : 0.f;
  options.max_pixels = gst_cartoonize_max_pixels(fs, *st.engine);
  cartoonize::faces::cartoonize_faces_in_frame(*st.engine, view, faces, options);
}

// The generator's part on the host (a frame in system memory, or a CUDA
// buffer the GPU path could not take), with device=auto's way out of a fault
// on CUDA (out of memory, a lost device): a fresh model on the CPU, and this
// frame again with the faces already tracked. Returns the fault that is left
// (empty: the frame is done); `recovered` says what was got over.
static std::string generate_on_host(GstCartoonize* self, State& st, const cartoonize::ImageView& view,
                                    const std::vector<cartoonize::faces::TrackedFace>& faces, const FrameSettings& fs,
                                    std::string* recovered) {
  const std::string fault = guarded([&] { run_generator(st, view, faces, fs); });
  if (fault.empty() || fs.device != GST_CARTOONIZE_DEVICE_AUTO || !st.engine->on_cuda()) return fault;
  cartoonize::EngineOptions options = st.engine_options;
  options.device = cartoonize::DeviceChoice::Cpu;
  std::unique_ptr<cartoonize::Engine> cpu;
  const std::string load_error = guarded([&] { cpu = cartoonize::Engine::create(options); });
  if (!cpu) return fault + "; reloading on the CPU failed: " + load_error;
  GST_INFO_OBJECT(self, "%s on %s: the model is reloaded on the CPU", fault.c_str(), st.engine->device_name().c_str());
  *recovered = fault + " (on " + st.engine->device_name() + ")";
  st.engine = std::move(cpu);
  st.engine_options = options;
  st.latency.restart();  // the CPU takes its own time
  return guarded([&] { run_generator(st, view, faces, fs); });
}

// The GPU's part of a CUDA-memory buffer, in place in device memory.
static void generate_on_device(State& st, const cartoonize::ImageView& view,
                               const std::vector<cartoonize::faces::TrackedFace>& faces, const FrameSettings& fs) {
  if (fs.mode == GST_CARTOONIZE_MODE_FRAME) return st.engine->cartoonize_device_frame(view, fs.strength);
  cartoonize::faces::FaceStyle style;
  style.margin = fs.crop_margin;
  cartoonize::faces::cartoonize_faces_in_device_frame(*st.engine, view, faces, style, fs.strength,
                                                      fs.mode == GST_CARTOONIZE_MODE_BOTH ? fs.strength : 0.f);
}

// One frame, whatever its memory: settings read once, faces tracked once (on
// the host: dlib needs the pixels there), the generator on the GPU for
// CUDA buffers it can use in place (cuda_memory.h) and on the host otherwise
// or when that fails, then the time it took, the faces published, and a
// latency message when the time strays from the latency reported.
static GstFlowReturn process_frame(GstCartoonize* self, GstBuffer* buffer) {
  FrameSettings fs;  // what may change while PLAYING, read once per frame (no strings)
  {
    std::lock_guard<std::mutex> settings_lock(*self->settings_lock);
    fs = *self->settings;
  }
  GstVideoInfo* info = &GST_VIDEO_FILTER(self)->in_info;
  std::unique_lock<std::mutex> lock(*self->state_lock);
  State& st = *self->state;
  if (!st.engine) {
    lock.unlock();
    GST_ELEMENT_ERROR(self, CORE, STATE_CHANGE, ("no model loaded"), (nullptr));
    return GST_FLOW_ERROR;
  }
  const auto t0 = std::chrono::steady_clock::now();
  const bool whole_frame = fs.mode != GST_CARTOONIZE_MODE_FACE;
  // The device calls take no max-pixels: a whole frame over it goes through
  // the host path, where run_cuda uploads it and core's banded frame path
  // keeps the generator within the limit.
  bool on_gpu = st.engine->cuda_device() == kCudaMemoryDevice &&
                gst_cartoonize_cuda_buffer_usable(GST_ELEMENT(self), *self->cuda, buffer) &&
                !(whole_frame && int64_t(GST_VIDEO_INFO_WIDTH(info)) * GST_VIDEO_INFO_HEIGHT(info) >
                                     gst_cartoonize_max_pixels(fs, *st.engine));
  MappedFrame host;
  std::vector<cartoonize::faces::TrackedFace> faces;
  if (!on_gpu || fs.mode != GST_CARTOONIZE_MODE_FRAME) {
    // A CUDA buffer is mapped for reading only: GStreamer downloads it, nothing goes back.
    if (!host.map(info, buffer, on_gpu ? GST_MAP_READ : GST_MAP_READWRITE)) {
      lock.unlock();
      GST_ELEMENT_WARNING(self, STREAM, FORMAT, ("invalid video buffer received"), (nullptr));
      return GST_FLOW_OK;
    }
    // Faces are found in the original frame, before any cartoon is drawn.
    const std::string face_error =
        guarded([&] { faces = gst_cartoonize_find_faces(self, st, host.view(st.layout), buffer, fs); });
    if (!face_error.empty()) {
      lock.unlock();
      GST_ELEMENT_ERROR(self, STREAM, FAILED, ("%s", face_error.c_str()), ("face tracking"));
      return GST_FLOW_ERROR;
    }
  }
  std::string fault, recovered;
  if (on_gpu) {
    host.unmap();
    const std::string gpu_error = gst_cartoonize_cuda_run(
        buffer, info, [&](const GstVideoFrame& frame) { generate_on_device(st, view_of(frame, st.layout), faces, fs); });
    if (gpu_error.empty())
      GST_LOG_OBJECT(self, "cartoonized in CUDA memory (%zu faces)", faces.size());
    else
      GST_WARNING_OBJECT(self, "on the GPU: %s; trying the frame through system memory", gpu_error.c_str());
    on_gpu = gpu_error.empty();
  }
  if (!on_gpu) {
    if (!host.mapped_with(GST_MAP_READWRITE) && !host.map(info, buffer, GST_MAP_READWRITE)) {
      lock.unlock();
      GST_ELEMENT_WARNING(self, STREAM, FORMAT, ("invalid video buffer received"), (nullptr));
      return GST_FLOW_OK;
    }
    fault = generate_on_host(self, st, host.view(st.layout), faces, fs, &recovered);
  }
  host.unmap();

  const GstClockTime took = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                std::chrono::steady_clock::now() - t0).count();
  st.latency.record(took);
  ++st.live.processed;
  st.live.skipped_in_a_row = 0;
  const bool announce = st.latency.needs_announce();
  if (announce) st.latency.announced();
  const std::string device = st.engine->device_name();
  const bool faces_on = st.tracker != nullptr;
  lock.unlock();

  if (!recovered.empty())
    GST_ELEMENT_WARNING(self, STREAM, FAILED, ("%s", recovered.c_str()),
                        ("device=auto: the model was reloaded on the CPU and processing goes on there"));
  if (!fault.empty()) {
    GST_ELEMENT_ERROR(self, STREAM, FAILED, ("%s", fault.c_str()),
                      ("the generator failed on this frame on %s (a lower max-pixels or inference-size needs less "
                       "memory)", device.c_str()));
    return GST_FLOW_ERROR;
  }
  if (faces_on) gst_cartoonize_publish_faces(self, buffer, faces, fs.post_messages);
  if (announce) {
    GST_DEBUG_OBJECT(self, "processing now takes up to %" GST_TIME_FORMAT ": latency message",
                     GST_TIME_ARGS(took));
    gst_element_post_message(GST_ELEMENT(self), gst_message_new_latency(GST_OBJECT(self)));
  }
  return GST_FLOW_OK;
}

// QoS of our own for live streams: a frame that can no longer be shown in
// time (latency_budget.h) is skipped before the generator is spent on it,
// and a QoS message says so. The frames that are processed are then the
// newest ones, and reach the sink on time.
static bool skip_late_frame(GstCartoonize* self, GstBuffer* buffer) {
  auto* trans = GST_BASE_TRANSFORM(self);
  if (GST_STATE(self) != GST_STATE_PLAYING || !GST_BUFFER_PTS_IS_VALID(buffer)) return false;
  GstClock* clock = gst_element_get_clock(GST_ELEMENT(self));
  if (!clock) return false;
  const GstClockTime now = gst_clock_get_time(clock) - gst_element_get_base_time(GST_ELEMENT(self));
  gst_object_unref(clock);
  const GstClockTime pts = GST_BUFFER_PTS(buffer);
  const GstClockTime running_time = gst_segment_to_running_time(&trans->segment, GST_FORMAT_TIME, pts);
  GstClockTimeDiff lateness;
  guint64 processed, skipped;
  {
    std::lock_guard<std::mutex> lock(*self->state_lock);
    LiveTiming& live = self->state->live;
    lateness = lateness_at_exit(live, self->state->latency, running_time, now);
    if (lateness <= 0) return false;
    processed = live.processed;
    skipped = ++live.skipped;
    ++live.skipped_in_a_row;
  }
  GST_LOG_OBJECT(self, "skipping a frame that would be %" GST_STIME_FORMAT " late", GST_STIME_ARGS(lateness));
  GstMessage* qos = gst_message_new_qos(GST_OBJECT(self), TRUE, running_time,
                                        gst_segment_to_stream_time(&trans->segment, GST_FORMAT_TIME, pts), pts,
                                        GST_BUFFER_DURATION(buffer));
  gst_message_set_qos_values(qos, lateness, 1.0, 1000000);
  gst_message_set_qos_stats(qos, GST_FORMAT_BUFFERS, processed, skipped);
  gst_element_post_message(GST_ELEMENT(self), qos);
  return true;
}

// GAP buffers carry no picture (they may even be empty): passed on untouched.
static GstFlowReturn gst_cartoonize_transform_ip(GstBaseTransform* trans, GstBuffer* buffer) {
  auto* self = GST_CARTOONIZE(trans);
  if (GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_GAP)) return GST_FLOW_OK;
  if (skip_late_frame(self, buffer)) return GST_BASE_TRANSFORM_FLOW_DROPPED;
  return process_frame(self, buffer);
}

// Upstream's latency plus ours (latency_budget.h: the worst recent
// processing time, with margins), so live sinks schedule frames late enough
// instead of dropping them. Remembered for the skip decision.
static gboolean gst_cartoonize_query(GstBaseTransform* trans, GstPadDirection direction, GstQuery* query) {
  auto* self = GST_CARTOONIZE(trans);
  if (gst_cartoonize_cuda_handle_query(GST_ELEMENT(self), *self->cuda, query)) return TRUE;  // "gst.cuda.context"
  if (GST_QUERY_TYPE(query) != GST_QUERY_LATENCY || direction != GST_PAD_SRC)
    return GST_BASE_TRANSFORM_CLASS(gst_cartoonize_parent_class)->query(trans, direction, query);
  if (!gst_pad_peer_query(GST_BASE_TRANSFORM_SINK_PAD(trans), query)) return FALSE;
  gboolean live;
  GstClockTime min, max;
  gst_query_parse_latency(query, &live, &min, &max);
  GstClockTime ours;
  {
    std::lock_guard<std::mutex> lock(*self->state_lock);
    State& st = *self->state;
    ours = st.latency.latency();
    st.latency.reported(ours);
    st.live.live = live;
    st.live.upstream = min;
  }
  GST_DEBUG_OBJECT(self, "latency: live %d, upstream %" GST_TIME_FORMAT " + ours %" GST_TIME_FORMAT, live,
                   GST_TIME_ARGS(min), GST_TIME_ARGS(ours));
  min += ours;
  if (GST_CLOCK_TIME_IS_VALID(max)) max += ours;
  gst_query_set_latency(query, live, min, max);
  return TRUE;
}

// The LATENCY event carries the latency the pipeline settled on: a frame is
// shown at its running time plus that.
static gboolean gst_cartoonize_src_event(GstBaseTransform* trans, GstEvent* event) {
  if (GST_EVENT_TYPE(event) == GST_EVENT_LATENCY) {
    auto* self = GST_CARTOONIZE(trans);
    GstClockTime latency;
    gst_event_parse_latency(event, &latency);
    std::lock_guard<std::mutex> lock(*self->state_lock);
    self->state->live.pipeline = latency;
  }
  return GST_BASE_TRANSFORM_CLASS(gst_cartoonize_parent_class)->src_event(trans, event);
}

// NULL->READY offers a CUDA context before upstream elements open and look
// for one (state changes run downstream first); see cuda_memory.h.
static GstStateChangeReturn gst_cartoonize_change_state(GstElement* element, GstStateChange transition) {
  auto* self = GST_CARTOONIZE(element);
  if (transition == GST_STATE_CHANGE_NULL_TO_READY) gst_cartoonize_cuda_open(element, *self->cuda, device_setting(self));
  const GstStateChangeReturn ret = GST_ELEMENT_CLASS(gst_cartoonize_parent_class)->change_state(element, transition);
  if (transition == GST_STATE_CHANGE_READY_TO_NULL) gst_cartoonize_cuda_close(*self->cuda);
  return ret;
}

static gboolean gst_cartoonize_propose_allocation(GstBaseTransform* trans, GstQuery* decide_query, GstQuery* query) {
  if (decide_query && gst_cartoonize_cuda_propose_allocation(*GST_CARTOONIZE(trans)->cuda, query)) return TRUE;
  return GST_BASE_TRANSFORM_CLASS(gst_cartoonize_parent_class)->propose_allocation(trans, decide_query, query);
}

static void gst_cartoonize_set_context(GstElement* element, GstContext* context) {
  gst_cartoonize_cuda_set_context(element, *GST_CARTOONIZE(element)->cuda, context);
  GST_ELEMENT_CLASS(gst_cartoonize_parent_class)->set_context(element, context);
}

static void gst_cartoonize_finalize(GObject* object) {
  auto* self = GST_CARTOONIZE(object);
  gst_cartoonize_cuda_close(*self->cuda);
  cartoonize_element::cuda_memory_free(self->cuda);
  delete self->loader;  // stops its thread first
  delete self->face_loader;
  delete self->state;
  delete self->state_lock;
  delete self->settings;
  delete self->settings_lock;
  G_OBJECT_CLASS(gst_cartoonize_parent_class)->finalize(object);
}

static void gst_cartoonize_init(GstCartoonize* self) {
  // Cheap: no model is loaded here (that is start()'s job).
  self->settings_lock = new std::mutex();
  self->settings = new Settings();
  self->settings->style = default_style();
  self->state_lock = new std::mutex();
  self->state = new State();
  self->loader = new cartoonize::ModelLoader();
  self->face_loader = new cartoonize::ModelLoader();
  self->cuda = cartoonize_element::cuda_memory_new();
  // Late frames are dropped before they reach the generator (live pipelines
  // stay on time instead of drifting), and GAP buffers keep their flag.
  gst_base_transform_set_qos_enabled(GST_BASE_TRANSFORM(self), TRUE);
  gst_base_transform_set_gap_aware(GST_BASE_TRANSFORM(self), TRUE);
}

static void gst_cartoonize_class_init(GstCartoonizeClass* klass) {
  auto* gobject_class = G_OBJECT_CLASS(klass);
  auto* element_class = GST_ELEMENT_CLASS(klass);
  auto* trans_class = GST_BASE_TRANSFORM_CLASS(klass);
  auto* filter_class = GST_VIDEO_FILTER_CLASS(klass);

  gobject_class->set_property = gst_cartoonize_set_property;
  gobject_class->get_property = gst_cartoonize_get_property;
  gobject_class->finalize = gst_cartoonize_finalize;
  // First: the style scan of install_properties logs to it.
  GST_DEBUG_CATEGORY_INIT(gst_cartoonize_debug, "cartoonize", 0, "cartoonize element");
  gst_cartoonize_install_properties(gobject_class);

  gst_element_class_set_static_metadata(
      element_class, "Cartoonize", "Filter/Effect/Video",
      "Turns video into a cartoon with a LibTorch generator (CUDA or CPU)",
      "gst-cartoonize developers");
  GstCaps* caps = gst_cartoonize_template_caps(CARTOONIZE_FORMATS);  // CUDA memory, then system memory
  gst_element_class_add_pad_template(element_class, gst_pad_template_new("sink", GST_PAD_SINK, GST_PAD_ALWAYS, caps));
  gst_element_class_add_pad_template(element_class, gst_pad_template_new("src", GST_PAD_SRC, GST_PAD_ALWAYS, caps));
  gst_caps_unref(caps);

  element_class->change_state = GST_DEBUG_FUNCPTR(gst_cartoonize_change_state);
  element_class->set_context = GST_DEBUG_FUNCPTR(gst_cartoonize_set_context);
  trans_class->transform_caps = GST_DEBUG_FUNCPTR(gst_cartoonize_transform_caps);
  trans_class->propose_allocation = GST_DEBUG_FUNCPTR(gst_cartoonize_propose_allocation);
  trans_class->start = GST_DEBUG_FUNCPTR(gst_cartoonize_start);
  trans_class->stop = GST_DEBUG_FUNCPTR(gst_cartoonize_stop);
  trans_class->query = GST_DEBUG_FUNCPTR(gst_cartoonize_query);
  trans_class->sink_event = GST_DEBUG_FUNCPTR(gst_cartoonize_sink_event);
  trans_class->src_event = GST_DEBUG_FUNCPTR(gst_cartoonize_src_event);
  // Instead of GstVideoFilter's: one path maps system and CUDA memory alike.
  trans_class->transform_ip = GST_DEBUG_FUNCPTR(gst_cartoonize_transform_ip);
  filter_class->set_info = GST_DEBUG_FUNCPTR(gst_cartoonize_set_info);

  gst_type_mark_as_plugin_api(GST_TYPE_CARTOONIZE_DEVICE, static_cast<GstPluginAPIFlags>(0));
  gst_type_mark_as_plugin_api(GST_TYPE_CARTOONIZE_MODE, static_cast<GstPluginAPIFlags>(0));
  gst_type_mark_as_plugin_api(GST_TYPE_CARTOONIZE_INPUT_RANGE, static_cast<GstPluginAPIFlags>(0));
  gst_type_mark_as_plugin_api(GST_TYPE_CARTOONIZE_STYLE, static_cast<GstPluginAPIFlags>(0));
  gst_type_mark_as_plugin_api(GST_TYPE_CARTOONIZE_DETECTOR, static_cast<GstPluginAPIFlags>(0));
  gst_type_mark_as_plugin_api(GST_TYPE_CARTOONIZE_QUALITY, static_cast<GstPluginAPIFlags>(0));
}
