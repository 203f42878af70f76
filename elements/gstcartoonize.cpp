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

#include "detector.h"
#include "engine.h"
#include "error.h"
#include "face_crops.h"
#include "gstcartoonize_enums.h"
#include "tracker.h"

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
constexpr gint kDefaultDetectWidth = 640;
constexpr gint kDefaultDetectInterval = 5;
constexpr gfloat kDefaultCropMargin = 0.1f;  // as cartoonize-train prepare aligns training faces
constexpr gdouble kDefaultMinCutoff = 1.0;
constexpr gdouble kDefaultBeta = 0.05;
constexpr gint kDefaultFadeFrames = 8;
constexpr gboolean kDefaultPostMessages = FALSE;

// What the user set. Read under settings_lock; copied at start() and per frame.
struct Settings {
  std::string model_location;  // empty: the default model
  GstCartoonizeDevice device = kDefaultDevice;
  GstCartoonizeMode mode = kDefaultMode;
  gfloat strength = kDefaultStrength;
  GstCartoonizeInputRange input_range = kDefaultRange;
  gint threads = kDefaultThreads;
  gint detect_width = kDefaultDetectWidth;
  gint detect_interval = kDefaultDetectInterval;
  std::string landmark_model = cartoonize::faces::kDefaultPredictorPath;
  gfloat crop_margin = kDefaultCropMargin;
  gdouble min_cutoff = kDefaultMinCutoff;
  gdouble beta = kDefaultBeta;
  gint fade_frames = kDefaultFadeFrames;
  gboolean post_messages = kDefaultPostMessages;
};

// What start() built. Used under state_lock by the streaming thread.
struct State {
  std::unique_ptr<cartoonize::Engine> engine;
  cartoonize::PixelLayout layout = cartoonize::PixelLayout::RGB;
  GstClockTime processing_ema = 0;      // smoothed time per frame
  GstClockTime reported_latency = 0;    // what the last LATENCY answer added
  GstCartoonizeMode mode = kDefaultMode;  // fixed from start() to stop()
  std::unique_ptr<cartoonize::faces::FaceDetector> detector;  // face modes only
  std::unique_ptr<cartoonize::faces::FaceTracker> tracker;
  cartoonize::faces::FaceStyle face_style;
  int detect_interval = kDefaultDetectInterval;
  guint64 frames = 0;
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
  PROP_DETECT_WIDTH,
  PROP_DETECT_INTERVAL,
  PROP_LANDMARK_MODEL,
  PROP_CROP_MARGIN,
  PROP_MIN_CUTOFF,
  PROP_BETA,
  PROP_FADE_FRAMES,
  PROP_POST_MESSAGES,
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
    case PROP_DETECT_WIDTH: s.detect_width = g_value_get_int(value); break;
    case PROP_DETECT_INTERVAL: s.detect_interval = g_value_get_int(value); break;
    case PROP_LANDMARK_MODEL: {
      const gchar* v = g_value_get_string(value);
      s.landmark_model = v ? v : cartoonize::faces::kDefaultPredictorPath;
      break;
    }
    case PROP_CROP_MARGIN: s.crop_margin = g_value_get_float(value); break;
    case PROP_MIN_CUTOFF: s.min_cutoff = g_value_get_double(value); break;
    case PROP_BETA: s.beta = g_value_get_double(value); break;
    case PROP_FADE_FRAMES: s.fade_frames = g_value_get_int(value); break;
    case PROP_POST_MESSAGES: s.post_messages = g_value_get_boolean(value); break;
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
    case PROP_DETECT_WIDTH: g_value_set_int(value, s.detect_width); break;
    case PROP_DETECT_INTERVAL: g_value_set_int(value, s.detect_interval); break;
    case PROP_LANDMARK_MODEL: g_value_set_string(value, s.landmark_model.c_str()); break;
    case PROP_CROP_MARGIN: g_value_set_float(value, s.crop_margin); break;
    case PROP_MIN_CUTOFF: g_value_set_double(value, s.min_cutoff); break;
    case PROP_BETA: g_value_set_double(value, s.beta); break;
    case PROP_FADE_FRAMES: g_value_set_int(value, s.fade_frames); break;
    case PROP_POST_MESSAGES: g_value_set_boolean(value, s.post_messages); break;
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

// Describes the faces of this frame: a "face" GstVideoRegionOfInterestMeta
// each (landmarks in its "landmarks" param) and, with post-messages, an
// element message like facedetect's.
static void publish_faces(GstCartoonize* self, GstBuffer* buffer, const std::vector<cartoonize::faces::TrackedFace>& faces,
                          bool post) {
  GValue list = G_VALUE_INIT;
  if (post) g_value_init(&list, GST_TYPE_LIST);
  for (const auto& f : faces) {
    GValue points = G_VALUE_INIT;
    gst_value_array_init(&points, cartoonize::faces::kLandmarkCount * 2);
    for (const auto& p : f.smoothed) {
      GValue v = G_VALUE_INIT;
      g_value_init(&v, G_TYPE_FLOAT);
      g_value_set_float(&v, p.x);
      gst_value_array_append_value(&points, &v);
      g_value_set_float(&v, p.y);
      gst_value_array_append_value(&points, &v);
      g_value_unset(&v);
    }
    GstVideoRegionOfInterestMeta* roi = gst_buffer_add_video_region_of_interest_meta(
        buffer, "face", guint(std::max(0, f.box.x)), guint(std::max(0, f.box.y)), guint(f.box.width),
        guint(f.box.height));
    roi->id = f.id;
    GstStructure* lm = gst_structure_new("landmarks", "presence", G_TYPE_FLOAT, f.presence, nullptr);
    gst_structure_set_value(lm, "points", &points);
    gst_video_region_of_interest_meta_add_param(roi, lm);
    if (post) {
      GstStructure* face = gst_structure_new("face", "id", G_TYPE_INT, f.id, "x", G_TYPE_INT, f.box.x, "y",
                                             G_TYPE_INT, f.box.y, "width", G_TYPE_INT, f.box.width, "height",
                                             G_TYPE_INT, f.box.height, "presence", G_TYPE_FLOAT, f.presence, nullptr);
      gst_structure_take_value(face, "landmarks", &points);
      GValue item = G_VALUE_INIT;
      g_value_init(&item, GST_TYPE_STRUCTURE);
      gst_value_set_structure(&item, face);
      gst_structure_free(face);
      gst_value_list_append_and_take_value(&list, &item);
    } else {
      g_value_unset(&points);
    }
  }
  if (!post) return;
  GstBaseTransform* trans = GST_BASE_TRANSFORM(self);
  const GstClockTime ts = GST_BUFFER_PTS(buffer);
  const GstSegment& seg = trans->segment;
  GstStructure* s = gst_structure_new(
      "cartoonize", "timestamp", G_TYPE_UINT64, ts, "stream-time", G_TYPE_UINT64,
      gst_segment_to_stream_time(&seg, GST_FORMAT_TIME, ts), "running-time", G_TYPE_UINT64,
      gst_segment_to_running_time(&seg, GST_FORMAT_TIME, ts), "duration", G_TYPE_UINT64, GST_BUFFER_DURATION(buffer),
      nullptr);
  gst_structure_take_value(s, "faces", &list);
  gst_element_post_message(GST_ELEMENT(self), gst_message_new_element(GST_OBJECT(self), s));
}

// Seconds for the landmark filter: the buffer's time, or a frame count at 30 fps.
static double frame_seconds(GstVideoFrame* frame, guint64 index) {
  const GstClockTime pts = GST_BUFFER_PTS(frame->buffer);
  return GST_CLOCK_TIME_IS_VALID(pts) ? double(pts) / GST_SECOND : double(index) / 30.0;
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
      faces = st.tracker->update(mat, frame_seconds(frame, st.frames), detect);
      if (strength > 0.f && !faces.empty()) {
        crops = cartoonize::faces::extract_faces(mat, faces, st.engine->model_info().input_size, st.face_style);
        cartoonize::faces::cartoonize_crops(crops, *st.engine, st.layout);
      }
    }
    ++st.frames;
    if (st.mode != GST_CARTOONIZE_MODE_FACE) st.engine->cartoonize_frame(view, strength);
    if (!crops.empty()) cartoonize::faces::paste_faces(mat, crops, strength);
    if (st.tracker) publish_faces(self, frame->buffer, faces, post_messages);
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
  g_object_class_install_property(
      gobject_class, PROP_DETECT_WIDTH,
      g_param_spec_int("detect-width", "Detection width",
                       "Width the frame is scaled to for face detection (0: full resolution). dlib's HOG finds "
                       "faces of about 80 px and more at this scale",
                       0, 16384, kDefaultDetectWidth, rw_ready));
  g_object_class_install_property(
      gobject_class, PROP_DETECT_INTERVAL,
      g_param_spec_int("face-detect-interval", "Face detection interval",
                       "Run the face detector every N frames; landmarks are tracked in between", 1, 1000,
                       kDefaultDetectInterval, rw_ready));
  g_object_class_install_property(
      gobject_class, PROP_LANDMARK_MODEL,
      g_param_spec_string("landmark-model", "Landmark model", "dlib 68-point shape predictor file (face modes)",
                          cartoonize::faces::kDefaultPredictorPath, rw_ready));
  g_object_class_install_property(
      gobject_class, PROP_CROP_MARGIN,
      g_param_spec_float("crop-margin", "Crop margin",
                         "Context kept around each aligned face, as a fraction of the face template", 0.f, 1.f,
                         kDefaultCropMargin, rw_ready));
  g_object_class_install_property(
      gobject_class, PROP_MIN_CUTOFF,
      g_param_spec_double("smoothing-min-cutoff", "Smoothing min cutoff",
                          "One Euro filter minimum cutoff (Hz) for landmarks: lower = steadier, more lag at rest",
                          0.001, 100.0, kDefaultMinCutoff, rw_ready));
  g_object_class_install_property(
      gobject_class, PROP_BETA,
      g_param_spec_double("smoothing-beta", "Smoothing beta",
                          "One Euro filter speed coefficient (1/px): higher = less lag when the face moves", 0.0, 10.0,
                          kDefaultBeta, rw_ready));
  g_object_class_install_property(
      gobject_class, PROP_FADE_FRAMES,
      g_param_spec_int("fade-frames", "Fade frames", "Frames over which a face fades in or out when it appears or "
                       "disappears", 1, 1000, kDefaultFadeFrames, rw_ready));
  g_object_class_install_property(
      gobject_class, PROP_POST_MESSAGES,
      g_param_spec_boolean("post-messages", "Post messages",
                           "Post a 'cartoonize' element message with the faces of each frame (face modes)",
                           kDefaultPostMessages, rw_playing));
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
