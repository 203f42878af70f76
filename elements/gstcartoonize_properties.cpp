// The element's GObject properties: their specs (nick, blurb, range, when
// they may change) and the Settings they read and write.
#include "gstcartoonize_private.h"

using namespace cartoonize_element;

namespace {

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
  PROP_TILE_INTERVAL,
  PROP_LANDMARK_MODEL,
  PROP_DETECTOR,
  PROP_CROP_MARGIN,
  PROP_MIN_CROP_SIZE,
  PROP_MIN_CUTOFF,
  PROP_BETA,
  PROP_FADE_FRAMES,
  PROP_POST_MESSAGES,
  PROP_INFERENCE_SIZE,
  PROP_MAX_PIXELS,
  PROP_CUDA_GRAPHS,
  PROP_STYLE,
  PROP_QUALITY,
};

// Read only when the element starts: where the model is placed, LibTorch's
// process-wide thread count (set from the thread that starts), and the face
// detector (kept until stop). Refused while PAUSED/PLAYING.
bool start_only(guint prop_id) {
  return prop_id == PROP_DEVICE || prop_id == PROP_THREADS || prop_id == PROP_LANDMARK_MODEL ||
         prop_id == PROP_DETECTOR;
}

// A value as a user writes it: an enum by its nick, the rest as GLib shows it.
std::string value_text(const GValue* v) {
  if (G_VALUE_HOLDS_ENUM(v)) {
    GEnumClass* klass = G_ENUM_CLASS(g_type_class_ref(G_VALUE_TYPE(v)));
    const GEnumValue* ev = g_enum_get_value(klass, g_value_get_enum(v));
    std::string text = ev ? ev->value_nick : std::to_string(g_value_get_enum(v));
    g_type_class_unref(klass);
    return text;
  }
  gchar* c = g_strdup_value_contents(v);
  std::string text = c;
  g_free(c);
  return text;
}

}  // namespace

// True (and nothing stored) when `prop_id` is read only at start and the
// element is running: the change is refused with a warning naming it, on the
// debug log and on the bus. Setting the value it already has is no change.
static bool refused_while_running(GstCartoonize* self, guint prop_id, const GValue* value, GParamSpec* pspec) {
  if (!start_only(prop_id)) return false;
  const GstState state = GST_STATE(self);
  if (state < GST_STATE_PAUSED) return false;
  GValue current = G_VALUE_INIT;
  g_value_init(&current, G_PARAM_SPEC_VALUE_TYPE(pspec));
  gst_cartoonize_get_property(G_OBJECT(self), prop_id, &current, pspec);
  const bool same = g_param_values_cmp(pspec, value, &current) == 0;
  const std::string wanted = value_text(value), kept = value_text(&current);
  g_value_unset(&current);
  if (same) return true;
  const gchar* name = g_param_spec_get_name(pspec);
  GST_WARNING_OBJECT(self, "%s=%s refused: %s applies only in NULL/READY, not %s; keeping %s=%s", name,
                     wanted.c_str(), name, gst_element_state_get_name(state), name, kept.c_str());
  GST_ELEMENT_WARNING(self, LIBRARY, SETTINGS,
                      ("%s can only be changed in the NULL or READY state; keeping %s=%s", name, name, kept.c_str()),
                      ("%s=%s refused while %s", name, wanted.c_str(), gst_element_state_get_name(state)));
  return true;
}

void gst_cartoonize_set_property(GObject* object, guint prop_id, const GValue* value, GParamSpec* pspec) {
  auto* self = GST_CARTOONIZE(object);
  // Before the lock: the bus warning may run sync handlers that read properties.
  if (refused_while_running(self, prop_id, value, pspec)) return;
  std::lock_guard<std::mutex> lock(*self->settings_lock);
  Settings& s = *self->settings;
  switch (prop_id) {
    case PROP_MODEL_LOCATION: {
      const gchar* v = g_value_get_string(value);
      s.model_location = v ? v : "";
      // While running, the new model is loaded beside the old one and
      // swapped in when ready (ignored when stopped: start() reads it).
      if (!self->loader->request(s.model_location) && GST_STATE(self) >= GST_STATE_PAUSED)
        GST_WARNING_OBJECT(self, "model-location %s not loaded now; it will be at the next start", v);
      break;
    }
    case PROP_STYLE:
    case PROP_QUALITY: {
      if (prop_id == PROP_STYLE) s.style = g_value_get_enum(value);
      else s.quality = static_cast<GstCartoonizeQuality>(g_value_get_enum(value));
      if (!s.model_location.empty()) {
        GST_INFO_OBJECT(self, "%s %s kept for later: model-location %s overrides it", g_param_spec_get_name(pspec),
                        value_text(value).c_str(), s.model_location.c_str());
        break;
      }
      // Same path as model-location: "" loads the style's file, beside the old model.
      if (!self->loader->request("") && GST_STATE(self) >= GST_STATE_PAUSED)
        GST_WARNING_OBJECT(self, "%s %s not loaded now; it will be at the next start", g_param_spec_get_name(pspec),
                           value_text(value).c_str());
      break;
    }
    case PROP_DEVICE: s.device = static_cast<GstCartoonizeDevice>(g_value_get_enum(value)); break;
    case PROP_MODE: s.mode = static_cast<GstCartoonizeMode>(g_value_get_enum(value)); break;
    case PROP_STRENGTH: s.strength = g_value_get_float(value); break;
    // Read when a model is loaded: changed while running, the model is
    // reloaded with them beside the old one, as for model-location.
    case PROP_INPUT_RANGE:
    case PROP_INFERENCE_SIZE:
    case PROP_CUDA_GRAPHS: {
      const Settings before = s;
      if (prop_id == PROP_INPUT_RANGE) s.input_range = static_cast<GstCartoonizeInputRange>(g_value_get_enum(value));
      if (prop_id == PROP_INFERENCE_SIZE) s.inference_size = g_value_get_int(value);
      if (prop_id == PROP_CUDA_GRAPHS) s.cuda_graphs = g_value_get_boolean(value);
      const bool changed = s.input_range != before.input_range || s.inference_size != before.inference_size ||
                           s.cuda_graphs != before.cuda_graphs;
      if (changed && !self->loader->request(s.model_location) && GST_STATE(self) >= GST_STATE_PAUSED)
        GST_WARNING_OBJECT(self, "%s not applied now; it will be at the next start", g_param_spec_get_name(pspec));
      break;
    }
    case PROP_THREADS: s.threads = g_value_get_int(value); break;
    case PROP_DETECT_WIDTH: s.detect_width = g_value_get_int(value); break;
    case PROP_DETECT_INTERVAL: s.detect_interval = g_value_get_int(value); break;
    case PROP_TILE_INTERVAL: s.tile_interval = g_value_get_int(value); break;
    case PROP_LANDMARK_MODEL: {
      const gchar* v = g_value_get_string(value);
      s.landmark_model = v ? v : cartoonize::faces::kDefaultPredictorPath;
      break;
    }
    case PROP_DETECTOR: s.detector = static_cast<GstCartoonizeDetector>(g_value_get_enum(value)); break;
    case PROP_CROP_MARGIN: s.crop_margin = g_value_get_float(value); break;
    case PROP_MIN_CROP_SIZE: s.min_crop_size = g_value_get_int(value); break;
    case PROP_MIN_CUTOFF: s.min_cutoff = g_value_get_double(value); break;
    case PROP_BETA: s.beta = g_value_get_double(value); break;
    case PROP_FADE_FRAMES: s.fade_frames = g_value_get_int(value); break;
    case PROP_POST_MESSAGES: s.post_messages = g_value_get_boolean(value); break;
    case PROP_MAX_PIXELS: s.max_pixels = g_value_get_int(value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec); break;
  }
}

void gst_cartoonize_get_property(GObject* object, guint prop_id, GValue* value, GParamSpec* pspec) {
  auto* self = GST_CARTOONIZE(object);
  std::lock_guard<std::mutex> lock(*self->settings_lock);
  const Settings& s = *self->settings;
  switch (prop_id) {
    case PROP_MODEL_LOCATION: g_value_set_string(value, s.model_location.empty() ? nullptr : s.model_location.c_str()); break;
    case PROP_STYLE: g_value_set_enum(value, s.style); break;
    case PROP_QUALITY: g_value_set_enum(value, s.quality); break;
    case PROP_DEVICE: g_value_set_enum(value, s.device); break;
    case PROP_MODE: g_value_set_enum(value, s.mode); break;
    case PROP_STRENGTH: g_value_set_float(value, s.strength); break;
    case PROP_INPUT_RANGE: g_value_set_enum(value, s.input_range); break;
    case PROP_THREADS: g_value_set_int(value, s.threads); break;
    case PROP_INFERENCE_SIZE: g_value_set_int(value, s.inference_size); break;
    case PROP_DETECT_WIDTH: g_value_set_int(value, s.detect_width); break;
    case PROP_DETECT_INTERVAL: g_value_set_int(value, s.detect_interval); break;
    case PROP_TILE_INTERVAL: g_value_set_int(value, s.tile_interval); break;
    case PROP_LANDMARK_MODEL: g_value_set_string(value, s.landmark_model.c_str()); break;
    case PROP_DETECTOR: g_value_set_enum(value, s.detector); break;
    case PROP_CROP_MARGIN: g_value_set_float(value, s.crop_margin); break;
    case PROP_MIN_CROP_SIZE: g_value_set_int(value, s.min_crop_size); break;
    case PROP_MIN_CUTOFF: g_value_set_double(value, s.min_cutoff); break;
    case PROP_BETA: g_value_set_double(value, s.beta); break;
    case PROP_FADE_FRAMES: g_value_set_int(value, s.fade_frames); break;
    case PROP_POST_MESSAGES: g_value_set_boolean(value, s.post_messages); break;
    case PROP_MAX_PIXELS: g_value_set_int(value, s.max_pixels); break;
    case PROP_CUDA_GRAPHS: g_value_set_boolean(value, s.cuda_graphs); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec); break;
  }
}

void gst_cartoonize_install_properties(GObjectClass* gobject_class) {
  const auto rw = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  const auto rw_ready = static_cast<GParamFlags>(rw | GST_PARAM_MUTABLE_READY);
  const auto rw_playing_str = static_cast<GParamFlags>(rw | GST_PARAM_MUTABLE_PLAYING);
  const auto rw_playing = static_cast<GParamFlags>(rw_playing_str | GST_PARAM_CONTROLLABLE);
  g_object_class_install_property(
      gobject_class, PROP_MODEL_LOCATION,
      g_param_spec_string("model-location", "Model location",
                          "Model file: a .ctzm written by cartoonize-train, or a TorchScript image-to-image module. "
                          "Set, it overrides style; unset (NULL): the model of style. Changed while playing, the new "
                          "model is loaded in the background and replaces the old one when ready ('model-updated' "
                          "message); a bad file posts a warning and keeps the old model",
                          nullptr, rw_playing_str));
  g_object_class_install_property(
      gobject_class, PROP_STYLE,
      g_param_spec_enum("style", "Style",
                        "Look of the cartoon: one of the installed styles, the NAME.ctzm model files of "
                        "$CARTOONIZE_STYLE_DIR, else of " CARTOONIZE_MODEL_DIR "/styles, listed when the element "
                        "is first used (cartoonize-train export --style NAME writes one). May be switched while "
                        "PLAYING: the old style keeps processing frames until the new one is loaded "
                        "('model-updated' message). A model-location set explicitly overrides it",
                        GST_TYPE_CARTOONIZE_STYLE, default_style(), rw_playing_str));
  g_object_class_install_property(
      gobject_class, PROP_QUALITY,
      g_param_spec_enum("quality", "Quality",
                        "Which model of the style runs: full, the style's own; fast, its distilled student "
                        "(STYLE_DIR/fast/NAME.ctzm: a smaller generator trained to imitate it, several times faster "
                        "on the CPU; a style without one runs in full); auto, fast on the CPU and full on CUDA. May "
                        "be switched while PLAYING (the model is swapped as for style). A model-location set "
                        "explicitly overrides it",
                        GST_TYPE_CARTOONIZE_QUALITY, kDefaultQuality, rw_playing_str));
  g_object_class_install_property(
      gobject_class, PROP_DEVICE,
      g_param_spec_enum("device", "Device",
                        "Where the generator runs. NULL/READY only: a change while PAUSED/PLAYING is refused with "
                        "a warning naming it",
                        GST_TYPE_CARTOONIZE_DEVICE, kDefaultDevice,
                        rw_ready));
  g_object_class_install_property(
      gobject_class, PROP_MODE,
      g_param_spec_enum("mode", "Mode",
                        "What is cartoonized. Default face: the styles are trained on aligned face crops, so "
                        "faces are found (dlib, landmark-model), cartoonized and pasted back and the rest of the "
                        "frame is left as it is; frame runs the face-trained model over the whole frame "
                        "(backgrounds and clothes too), both does frame and face",
                        GST_TYPE_CARTOONIZE_MODE, kDefaultMode, rw_playing));
  g_object_class_install_property(
      gobject_class, PROP_STRENGTH,
      g_param_spec_float("strength", "Strength", "Blend of input (0) and cartoon (1); 0 passes frames unchanged",
                         0.f, 1.f, kDefaultStrength, rw_playing));
  g_object_class_install_property(
      gobject_class, PROP_INPUT_RANGE,
      g_param_spec_enum("input-range", "Input range",
                        "Pixel range a TorchScript model expects when its file does not declare it. Changed while "
                        "PLAYING, the model is reloaded with it in the background ('model-updated')",
                        GST_TYPE_CARTOONIZE_INPUT_RANGE, kDefaultRange, rw_playing_str));
  g_object_class_install_property(
      gobject_class, PROP_THREADS,
      g_param_spec_int("threads", "Threads",
                       "CPU threads for inference (process-wide LibTorch setting, applied at start); 0 keeps "
                       "LibTorch's default. NULL/READY only: a change while PAUSED/PLAYING is refused with a "
                       "warning naming it",
                       0,
                       256, kDefaultThreads, rw_ready));
  g_object_class_install_property(
      gobject_class, PROP_INFERENCE_SIZE,
      g_param_spec_int("inference-size", "Inference size",
                       "Frame mode: the generator runs on the frame scaled to this long side (px) and the cartoon "
                       "is brought back to full resolution by a guided upsampler that follows the frame's edges. "
                       "0: full resolution (slow on the CPU). Changed while PLAYING, the model is reloaded at the new "
                       "size in the background and used from the frame after 'model-updated'",
                       0, 16384, kDefaultInferenceSize, rw_playing_str));
  g_object_class_install_property(
      gobject_class, PROP_DETECT_WIDTH,
      g_param_spec_int("detect-width", "Detection width",
                       "Width the frame is scaled to for face detection with detector=hog (0: full resolution). "
                       "dlib's HOG finds faces of about 80 px and more at this scale",
                       0, 16384, kDefaultDetectWidth, rw_playing));
  g_object_class_install_property(
      gobject_class, PROP_DETECT_INTERVAL,
      g_param_spec_int("face-detect-interval", "Face detection interval",
                       "Run the face detector every N frames; landmarks are tracked in between", 1, 1000,
                       kDefaultDetectInterval, rw_playing));
  g_object_class_install_property(
      gobject_class, PROP_TILE_INTERVAL,
      g_param_spec_int("face-tile-interval", "Face tile interval",
                       "detector=hog, frames wider than detect-width: faces too small to be found at detect-width "
                       "are looked for at full resolution, in one overlapping tile of the frame every N frames, "
                       "tile after tile (the first frame after start or a discontinuity: the whole frame at full "
                       "resolution, so a still picture gets all its faces). 0: never",
                       0, 1000, kDefaultTileInterval, rw_playing));
  g_object_class_install_property(
      gobject_class, PROP_LANDMARK_MODEL,
      g_param_spec_string("landmark-model", "Landmark model",
                          "dlib 68-point shape predictor file (face modes). NULL/READY only: a change while "
                          "PAUSED/PLAYING is refused with a warning naming it",
                          cartoonize::faces::kDefaultPredictorPath, rw_ready));
  g_object_class_install_property(
      gobject_class, PROP_DETECTOR,
      g_param_spec_enum("detector", "Face detector",
                        "Face modes: what finds the faces (landmarks always come from the landmark model). hog: "
                        "dlib's HOG at detect-width; tiny: face-api's tiny detector in LibTorch at 224 and 416 px "
                        "(ignores detect-width; 0.5-0.9x hog's time at detect-width 640 with a passive OpenMP wait "
                        "policy, but stalls on busy cores with the default one and sees a face in SMPTE colour "
                        "bars); auto: hog, the robust choice on the CPU (docs/performance.md). NULL/READY only: a "
                        "change while PAUSED/PLAYING is refused with a warning naming it",
                        GST_TYPE_CARTOONIZE_DETECTOR, kDefaultDetector, rw_ready));
  g_object_class_install_property(
      gobject_class, PROP_CROP_MARGIN,
      g_param_spec_float("crop-margin", "Crop margin",
                         "Context kept around each aligned face, as a fraction of the face template", 0.f, 1.f,
                         kDefaultCropMargin, rw_playing));
  g_object_class_install_property(
      gobject_class, PROP_MIN_CROP_SIZE,
      g_param_spec_int("min-crop-size", "Minimum crop size",
                       "Face modes on the host: a face covering fewer frame pixels than the model's crop is "
                       "cropped at its own size (a multiple of 4, at least this many pixels) instead of being "
                       "scaled up, so small faces cost less (the generator's time falls with the square of the "
                       "size). 0: every face at the model's size. CUDA buffers always use the model's size",
                       0, 1024, kDefaultMinCropSize, rw_playing));
  g_object_class_install_property(
      gobject_class, PROP_MIN_CUTOFF,
      g_param_spec_double("smoothing-min-cutoff", "Smoothing min cutoff",
                          "One Euro filter minimum cutoff (Hz) for landmarks: lower = steadier, more lag at rest",
                          0.001, 100.0, kDefaultMinCutoff, rw_playing));
  g_object_class_install_property(
      gobject_class, PROP_BETA,
      g_param_spec_double("smoothing-beta", "Smoothing beta",
                          "One Euro filter speed coefficient (1/px): higher = less lag when the face moves", 0.0, 10.0,
                          kDefaultBeta, rw_playing));
  g_object_class_install_property(
      gobject_class, PROP_FADE_FRAMES,
      g_param_spec_int("fade-frames", "Fade frames", "Frames over which a face fades in or out when it appears or "
                       "disappears", 1, 1000, kDefaultFadeFrames, rw_playing));
  g_object_class_install_property(
      gobject_class, PROP_POST_MESSAGES,
      g_param_spec_boolean("post-messages", "Post messages",
                           "Post a 'cartoonize' element message with the faces of each frame (face modes)",
                           kDefaultPostMessages, rw_playing));
  g_object_class_install_property(
      gobject_class, PROP_MAX_PIXELS,
      g_param_spec_int("max-pixels", "Maximum pixels",
                       "Largest frame (width x height) the generator runs on in frame mode; the generator runs "
                       "on a larger frame scaled down to fit, and the cartoon is guided back up to full resolution "
                       "band by band, so 8K input cannot exhaust memory. "
                       "0: automatic (3840x2160 on CUDA, 1920x1080 on the CPU)",
                       0, G_MAXINT, kDefaultMaxPixels, rw_playing));
  g_object_class_install_property(
      gobject_class, PROP_CUDA_GRAPHS,
      g_param_spec_boolean("cuda-graphs", "CUDA graphs",
                           "CUDA: once a frame size repeats, frame mode's generator is captured as a CUDA graph and "
                           "replayed (re-captured when the size changes); a capture that fails logs a warning and "
                           "runs eagerly. Ignored on the CPU. Changed while PLAYING, the model is reloaded with it in the "
                           "background ('model-updated')",
                           kDefaultCudaGraphs, rw_playing_str));
}
