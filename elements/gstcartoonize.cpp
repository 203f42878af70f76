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
#include <memory>
#include <mutex>
#include <string>

#include "engine.h"
#include "error.h"
#include "gstcartoonize_enums.h"

GST_DEBUG_CATEGORY_STATIC(gst_cartoonize_debug);
#define GST_CAT_DEFAULT gst_cartoonize_debug

#ifndef CARTOONIZE_MODEL_DIR
#define CARTOONIZE_MODEL_DIR "/usr/local/share/gst-cartoonize"
#endif

namespace {

constexpr GstCartoonizeDevice kDefaultDevice = GST_CARTOONIZE_DEVICE_AUTO;
constexpr GstCartoonizeMode kDefaultMode = GST_CARTOONIZE_MODE_FRAME;
constexpr gfloat kDefaultStrength = 1.0f;
constexpr GstCartoonizeInputRange kDefaultRange = GST_CARTOONIZE_RANGE_AUTO;
constexpr gint kDefaultThreads = 0;

// What the user set. Read under settings_lock; copied at start() and per frame.
struct Settings {
  std::string model_location;  // empty: the default model
  GstCartoonizeDevice device = kDefaultDevice;
  GstCartoonizeMode mode = kDefaultMode;
  gfloat strength = kDefaultStrength;
  GstCartoonizeInputRange input_range = kDefaultRange;
  gint threads = kDefaultThreads;
};

// What start() built. Used under state_lock by the streaming thread.
struct State {
  std::unique_ptr<cartoonize::Engine> engine;
  cartoonize::PixelLayout layout = cartoonize::PixelLayout::RGB;
  GstClockTime processing_ema = 0;      // smoothed time per frame
  GstClockTime reported_latency = 0;    // what the last LATENCY answer added
};

}  // namespace

struct _GstCartoonize {
  GstVideoFilter parent;
  std::mutex* settings_lock;
  Settings* settings;
  std::mutex* state_lock;
  State* state;
};

enum {
  PROP_0,
  PROP_MODEL_LOCATION,
  PROP_DEVICE,
  PROP_MODE,
  PROP_STRENGTH,
  PROP_INPUT_RANGE,
  PROP_THREADS,
};

#define CARTOONIZE_CAPS GST_VIDEO_CAPS_MAKE("{ RGB, BGR, RGBx, BGRx, RGBA, BGRA }")

G_DEFINE_TYPE(GstCartoonize, gst_cartoonize, GST_TYPE_VIDEO_FILTER)
GST_ELEMENT_REGISTER_DEFINE(cartoonize, "cartoonize", GST_RANK_NONE, GST_TYPE_CARTOONIZE)

const gchar* gst_cartoonize_default_model_path(void) {
  const gchar* env = g_getenv("CARTOONIZE_DEFAULT_MODEL");
  return (env && *env) ? env : CARTOONIZE_MODEL_DIR "/default.ctzm";
}

static void gst_cartoonize_set_property(GObject* object, guint prop_id, const GValue* value, GParamSpec* pspec) {
  auto* self = GST_CARTOONIZE(object);
  std::lock_guard<std::mutex> lock(*self->settings_lock);
  Settings& s = *self->settings;
  switch (prop_id) {
    case PROP_MODEL_LOCATION: {
      const gchar* v = g_value_get_string(value);
      s.model_location = v ? v : "";
      break;
    }
    case PROP_DEVICE: s.device = static_cast<GstCartoonizeDevice>(g_value_get_enum(value)); break;
    case PROP_MODE: s.mode = static_cast<GstCartoonizeMode>(g_value_get_enum(value)); break;
    case PROP_STRENGTH: s.strength = g_value_get_float(value); break;
    case PROP_INPUT_RANGE: s.input_range = static_cast<GstCartoonizeInputRange>(g_value_get_enum(value)); break;
    case PROP_THREADS: s.threads = g_value_get_int(value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec); break;
  }
}

static void gst_cartoonize_get_property(GObject* object, guint prop_id, GValue* value, GParamSpec* pspec) {
  auto* self = GST_CARTOONIZE(object);
  std::lock_guard<std::mutex> lock(*self->settings_lock);
  const Settings& s = *self->settings;
  switch (prop_id) {
    case PROP_MODEL_LOCATION: g_value_set_string(value, s.model_location.empty() ? nullptr : s.model_location.c_str()); break;
    case PROP_DEVICE: g_value_set_enum(value, s.device); break;
    case PROP_MODE: g_value_set_enum(value, s.mode); break;
    case PROP_STRENGTH: g_value_set_float(value, s.strength); break;
    case PROP_INPUT_RANGE: g_value_set_enum(value, s.input_range); break;
    case PROP_THREADS: g_value_set_int(value, s.threads); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec); break;
  }
}

static Settings copy_settings(GstCartoonize* self) {
  std::lock_guard<std::mutex> lock(*self->settings_lock);
  return *self->settings;
}

static gboolean gst_cartoonize_start(GstBaseTransform* trans) {
  auto* self = GST_CARTOONIZE(trans);
  const Settings s = copy_settings(self);
  if (s.mode != GST_CARTOONIZE_MODE_FRAME) {
    GST_ELEMENT_ERROR(self, LIBRARY, SETTINGS, ("mode=face and mode=both are not available in this build yet"),
                      (nullptr));
    return FALSE;
  }
  cartoonize::EngineOptions options;
  options.model_path = s.model_location.empty() ? gst_cartoonize_default_model_path() : s.model_location;
  options.device = s.device == GST_CARTOONIZE_DEVICE_CPU    ? cartoonize::DeviceChoice::Cpu
                   : s.device == GST_CARTOONIZE_DEVICE_CUDA ? cartoonize::DeviceChoice::Cuda
                                                            : cartoonize::DeviceChoice::Auto;
  if (s.input_range == GST_CARTOONIZE_RANGE_MINUS_ONE_ONE)
    options.normalization = cartoonize::Normalization::MinusOneOne;
  else if (s.input_range == GST_CARTOONIZE_RANGE_ZERO_ONE)
    options.normalization = cartoonize::Normalization::ZeroOne;
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
  std::lock_guard<std::mutex> lock(*self->state_lock);
  *self->state = State{};
  self->state->engine = std::move(engine);
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
  const Settings s = copy_settings(self);
  if (s.strength <= 0.f) return GST_FLOW_OK;  // exactly the input

  std::unique_lock<std::mutex> lock(*self->state_lock);
  State& st = *self->state;
  if (!st.engine) {
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
    st.engine->cartoonize_frame(view, s.strength);
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

static void install_properties(GObjectClass* gobject_class) {
  const auto rw = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  const auto rw_ready = static_cast<GParamFlags>(rw | GST_PARAM_MUTABLE_READY);
  const auto rw_playing = static_cast<GParamFlags>(rw | GST_PARAM_MUTABLE_PLAYING | GST_PARAM_CONTROLLABLE);
  g_object_class_install_property(
      gobject_class, PROP_MODEL_LOCATION,
      g_param_spec_string("model-location", "Model location",
                          "Model file: a .ctzm written by cartoonize-train, or a TorchScript image-to-image module. "
                          "Unset: the default model installed with the plugin",
                          nullptr, rw_ready));
  g_object_class_install_property(
      gobject_class, PROP_DEVICE,
      g_param_spec_enum("device", "Device", "Where the generator runs", GST_TYPE_CARTOONIZE_DEVICE, kDefaultDevice,
                        rw_ready));
  g_object_class_install_property(
      gobject_class, PROP_MODE,
      g_param_spec_enum("mode", "Mode", "What is cartoonized", GST_TYPE_CARTOONIZE_MODE, kDefaultMode, rw_ready));
  g_object_class_install_property(
      gobject_class, PROP_STRENGTH,
      g_param_spec_float("strength", "Strength", "Blend of input (0) and cartoon (1); 0 passes frames unchanged",
                         0.f, 1.f, kDefaultStrength, rw_playing));
  g_object_class_install_property(
      gobject_class, PROP_INPUT_RANGE,
      g_param_spec_enum("input-range", "Input range",
                        "Pixel range a TorchScript model expects when its file does not declare it",
                        GST_TYPE_CARTOONIZE_INPUT_RANGE, kDefaultRange, rw_ready));
  g_object_class_install_property(
      gobject_class, PROP_THREADS,
      g_param_spec_int("threads", "Threads",
                       "CPU threads for inference (process-wide LibTorch setting); 0 keeps LibTorch's default", 0,
                       256, kDefaultThreads, rw_ready));
}

static void gst_cartoonize_class_init(GstCartoonizeClass* klass) {
  auto* gobject_class = G_OBJECT_CLASS(klass);
  auto* element_class = GST_ELEMENT_CLASS(klass);
  auto* trans_class = GST_BASE_TRANSFORM_CLASS(klass);
  auto* filter_class = GST_VIDEO_FILTER_CLASS(klass);

  gobject_class->set_property = gst_cartoonize_set_property;
  gobject_class->get_property = gst_cartoonize_get_property;
  gobject_class->finalize = gst_cartoonize_finalize;
  install_properties(gobject_class);

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
