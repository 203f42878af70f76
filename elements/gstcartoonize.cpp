/**
 * SECTION:element-cartoonize
 * @title: cartoonize
 *
 * Turns video into a cartoon with a LibTorch generator network, on CUDA when
 * a GPU is available and on the CPU otherwise.
 *
 * In `mode=frame` every frame goes through the generator whole. The model is
 * read from #GstCartoonize:model-location (the project's `.ctzm` files, or a
 * TorchScript image-to-image module exported from PyTorch); without it the
 * default model installed with the plugin is used.
 *
 * The model is loaded when the element starts (READY→PAUSED); a missing or
 * corrupt model file makes that state change fail with an error message
 * naming the problem. #GstCartoonize:strength blends the cartoon with the
 * input and may be changed while PLAYING.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 v4l2src ! videoconvert ! cartoonize ! videoconvert ! autovideosink
 * ]| Cartoonize a webcam live.
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

#include "gstcartoonize_private.h"

GST_DEBUG_CATEGORY(gst_cartoonize_debug);
#define GST_CAT_DEFAULT gst_cartoonize_debug

#ifndef CARTOONIZE_MODEL_DIR
#define CARTOONIZE_MODEL_DIR "/usr/local/share/gst-cartoonize"
#endif

using namespace cartoonize_element;

#define CARTOONIZE_CAPS GST_VIDEO_CAPS_MAKE("{ RGB, BGR, RGBx, BGRx, RGBA, BGRA }")

G_DEFINE_TYPE(GstCartoonize, gst_cartoonize, GST_TYPE_VIDEO_FILTER)
GST_ELEMENT_REGISTER_DEFINE(cartoonize, "cartoonize", GST_RANK_NONE, GST_TYPE_CARTOONIZE)

const gchar* gst_cartoonize_default_model_path(void) {
  const gchar* env = g_getenv("CARTOONIZE_DEFAULT_MODEL");
  return (env && *env) ? env : CARTOONIZE_MODEL_DIR "/default.ctzm";
}

static Settings copy_settings(GstCartoonize* self) {
  std::lock_guard<std::mutex> lock(*self->settings_lock);
  return *self->settings;
}

static gboolean gst_cartoonize_start(GstBaseTransform* trans) {
  auto* self = GST_CARTOONIZE(trans);
  const Settings s = copy_settings(self);
  cartoonize::EngineOptions options;
  options.model_path = s.model_location.empty() ? gst_cartoonize_default_model_path() : s.model_location;
  options.device = s.device == GST_CARTOONIZE_DEVICE_CPU    ? cartoonize::DeviceChoice::Cpu
                   : s.device == GST_CARTOONIZE_DEVICE_CUDA ? cartoonize::DeviceChoice::Cuda
                                                            : cartoonize::DeviceChoice::Auto;
  if (s.input_range == GST_CARTOONIZE_RANGE_MINUS_ONE_ONE)
    options.normalization = cartoonize::Normalization::MinusOneOne;
  else if (s.input_range == GST_CARTOONIZE_RANGE_ZERO_ONE)
    options.normalization = cartoonize::Normalization::ZeroOne;
  options.inference_size = s.inference_size;
  std::unique_ptr<cartoonize::Engine> engine;
  try {
    cartoonize::set_cpu_threads(s.threads);
    engine = cartoonize::Engine::create(options);
  } catch (const std::exception& e) {
    const bool is_device = s.device == GST_CARTOONIZE_DEVICE_CUDA && !cartoonize::cuda_available();
    if (is_device)
      GST_ELEMENT_ERROR(self, RESOURCE, NOT_FOUND, ("%s", e.what()), ("device=cuda"));
    else
      GST_ELEMENT_ERROR(self, RESOURCE, OPEN_READ, ("%s", e.what()), ("model-location=%s", options.model_path.c_str()));
    return FALSE;
  }
  GST_INFO_OBJECT(self, "loaded model %s on %s (%s, width %d, trained at %d px)", options.model_path.c_str(),
                  engine->device_name().c_str(),
                  engine->model_info().format == cartoonize::ModelFormat::Native ? "ctzm" : "TorchScript",
                  engine->model_info().width, engine->model_info().input_size);
  if (s.device == GST_CARTOONIZE_DEVICE_AUTO)
    GST_INFO_OBJECT(self, "device=auto chose %s", engine->device_name().c_str());
  State fresh;
  fresh.mode = s.mode;
  if (s.mode != GST_CARTOONIZE_MODE_FRAME) {
    try {
      fresh.detector = std::make_unique<cartoonize::faces::FaceDetector>(s.landmark_model);
    } catch (const std::exception& e) {
      GST_ELEMENT_ERROR(self, RESOURCE, OPEN_READ, ("%s", e.what()), ("landmark-model=%s", s.landmark_model.c_str()));
      return FALSE;
    }
    cartoonize::faces::FaceTracker::Config tc;
    tc.detect_width = s.detect_width;
    tc.min_cutoff = s.min_cutoff;
    tc.beta = s.beta;
    tc.fade_frames = s.fade_frames;
    fresh.tracker = std::make_unique<cartoonize::faces::FaceTracker>(*fresh.detector, tc);
    fresh.face_style.margin = s.crop_margin;
    fresh.detect_interval = s.detect_interval;
  }
  fresh.engine = std::move(engine);
  std::lock_guard<std::mutex> lock(*self->state_lock);
  *self->state = std::move(fresh);
  return TRUE;
}

static gboolean gst_cartoonize_stop(GstBaseTransform* trans) {
  auto* self = GST_CARTOONIZE(trans);
  std::lock_guard<std::mutex> lock(*self->state_lock);
  *self->state = State{};  // frees the model (and its GPU memory)
  return TRUE;
}

static gboolean gst_cartoonize_set_info(GstVideoFilter* filter, GstCaps*, GstVideoInfo* in_info, GstCaps*,
                                        GstVideoInfo*) {
  auto* self = GST_CARTOONIZE(filter);
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
  return TRUE;
}

static GstFlowReturn gst_cartoonize_transform_frame_ip(GstVideoFilter* filter, GstVideoFrame* frame) {
  auto* self = GST_CARTOONIZE(filter);
  // Only what may change while PLAYING is read per frame (no string copies).
  gfloat strength;
  gboolean post_messages;
  {
    std::lock_guard<std::mutex> settings_lock(*self->settings_lock);
    strength = self->settings->strength;
    post_messages = self->settings->post_messages;
  }

  std::unique_lock<std::mutex> lock(*self->state_lock);
  State& st = *self->state;
  if (!st.engine) {
    lock.unlock();
    GST_ELEMENT_ERROR(self, CORE, STATE_CHANGE, ("no model loaded"), (nullptr));
    return GST_FLOW_ERROR;
  }
  cartoonize::ImageView view;
  view.data = static_cast<uint8_t*>(GST_VIDEO_FRAME_PLANE_DATA(frame, 0));
  view.width = GST_VIDEO_FRAME_WIDTH(frame);
  view.height = GST_VIDEO_FRAME_HEIGHT(frame);
  view.stride = GST_VIDEO_FRAME_PLANE_STRIDE(frame, 0);
  view.layout = st.layout;
  const auto t0 = std::chrono::steady_clock::now();
  try {
    std::vector<cartoonize::faces::TrackedFace> faces;
    std::vector<cartoonize::faces::FaceCrop> crops;
    cv::Mat mat;
    if (st.tracker) {
      // Faces are found and cropped from the original frame, before any
      // frame-mode cartoon is drawn over it.
      mat = cartoonize::faces::wrap_frame(view);
      const bool detect = st.frames % guint64(std::max(1, st.detect_interval)) == 0;
      faces = st.tracker->update(mat, gst_cartoonize_frame_seconds(frame, st.frames), detect);
      if (strength > 0.f && !faces.empty()) {
        crops = cartoonize::faces::extract_faces(mat, faces, st.engine->model_info().input_size, st.face_style);
        cartoonize::faces::cartoonize_crops(crops, *st.engine, st.layout);
      }
    }
    ++st.frames;
    if (st.mode != GST_CARTOONIZE_MODE_FACE) st.engine->cartoonize_frame(view, strength);
    if (!crops.empty()) cartoonize::faces::paste_faces(mat, crops, strength);
    if (st.tracker) gst_cartoonize_publish_faces(self, frame->buffer, faces, post_messages);
  } catch (const std::exception& e) {
    lock.unlock();
    GST_ELEMENT_ERROR(self, STREAM, FAILED, ("%s", e.what()), (nullptr));
    return GST_FLOW_ERROR;
  }
  const GstClockTime took = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                std::chrono::steady_clock::now() - t0).count();
  st.processing_ema = st.processing_ema ? (st.processing_ema * 7 + took) / 8 : took;
  // Tell the pipeline when our processing time outgrows the latency we reported.
  const bool outgrown = st.processing_ema > st.reported_latency + st.reported_latency / 4;
  lock.unlock();
  if (outgrown) gst_element_post_message(GST_ELEMENT(self), gst_message_new_latency(GST_OBJECT(self)));
  return GST_FLOW_OK;
}

// Upstream's latency plus the time we take per frame (measured), so live sinks
// schedule frames late enough instead of dropping all of them.
static gboolean gst_cartoonize_query(GstBaseTransform* trans, GstPadDirection direction, GstQuery* query) {
  auto* self = GST_CARTOONIZE(trans);
  if (GST_QUERY_TYPE(query) != GST_QUERY_LATENCY || direction != GST_PAD_SRC)
    return GST_BASE_TRANSFORM_CLASS(gst_cartoonize_parent_class)->query(trans, direction, query);
  if (!gst_pad_peer_query(GST_BASE_TRANSFORM_SINK_PAD(trans), query)) return FALSE;
  gboolean live;
  GstClockTime min, max;
  gst_query_parse_latency(query, &live, &min, &max);
  GstClockTime ours;
  {
    std::lock_guard<std::mutex> lock(*self->state_lock);
    ours = self->state->processing_ema;
    self->state->reported_latency = ours;
  }
  min += ours;
  if (GST_CLOCK_TIME_IS_VALID(max)) max += ours;
  GST_DEBUG_OBJECT(self, "latency: live %d, adding %" GST_TIME_FORMAT " -> min %" GST_TIME_FORMAT, live,
                   GST_TIME_ARGS(ours), GST_TIME_ARGS(min));
  gst_query_set_latency(query, live, min, max);
  return TRUE;
}

static void gst_cartoonize_finalize(GObject* object) {
  auto* self = GST_CARTOONIZE(object);
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
  self->state_lock = new std::mutex();
  self->state = new State();
}

static void gst_cartoonize_class_init(GstCartoonizeClass* klass) {
  auto* gobject_class = G_OBJECT_CLASS(klass);
  auto* element_class = GST_ELEMENT_CLASS(klass);
  auto* trans_class = GST_BASE_TRANSFORM_CLASS(klass);
  auto* filter_class = GST_VIDEO_FILTER_CLASS(klass);

  gobject_class->set_property = gst_cartoonize_set_property;
  gobject_class->get_property = gst_cartoonize_get_property;
  gobject_class->finalize = gst_cartoonize_finalize;
  gst_cartoonize_install_properties(gobject_class);

  gst_element_class_set_static_metadata(
      element_class, "Cartoonize", "Filter/Effect/Video",
      "Turns video into a cartoon with a LibTorch generator (CUDA or CPU)",
      "gst-cartoonize developers");
  GstCaps* caps = gst_caps_from_string(CARTOONIZE_CAPS);
  gst_element_class_add_pad_template(element_class, gst_pad_template_new("sink", GST_PAD_SINK, GST_PAD_ALWAYS, caps));
  gst_element_class_add_pad_template(element_class, gst_pad_template_new("src", GST_PAD_SRC, GST_PAD_ALWAYS, caps));
  gst_caps_unref(caps);

  trans_class->start = GST_DEBUG_FUNCPTR(gst_cartoonize_start);
  trans_class->stop = GST_DEBUG_FUNCPTR(gst_cartoonize_stop);
  trans_class->query = GST_DEBUG_FUNCPTR(gst_cartoonize_query);
  filter_class->set_info = GST_DEBUG_FUNCPTR(gst_cartoonize_set_info);
  filter_class->transform_frame_ip = GST_DEBUG_FUNCPTR(gst_cartoonize_transform_frame_ip);

  gst_type_mark_as_plugin_api(GST_TYPE_CARTOONIZE_DEVICE, static_cast<GstPluginAPIFlags>(0));
  gst_type_mark_as_plugin_api(GST_TYPE_CARTOONIZE_MODE, static_cast<GstPluginAPIFlags>(0));
  gst_type_mark_as_plugin_api(GST_TYPE_CARTOONIZE_INPUT_RANGE, static_cast<GstPluginAPIFlags>(0));
  GST_DEBUG_CATEGORY_INIT(gst_cartoonize_debug, "cartoonize", 0, "cartoonize element");
}
