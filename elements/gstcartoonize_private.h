// The element's instance data, shared by its source files (properties, face
// path, model loading, the transform itself). Not installed.
#pragma once
#include <gst/video/video.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "detector.h"
#include "engine.h"
#include "face_crops.h"
#include "gstcartoonize.h"
#include "gstcartoonize_enums.h"
#include "gstcartoonize_styles.h"
#include "latency_budget.h"
#include "model_loader.h"
#include "tracker.h"

GST_DEBUG_CATEGORY_EXTERN(gst_cartoonize_debug);
#define GST_CAT_DEFAULT gst_cartoonize_debug

namespace cartoonize_element {

struct CudaMemory;  // cuda_memory.h

constexpr GstCartoonizeDevice kDefaultDevice = GST_CARTOONIZE_DEVICE_AUTO;
// face: the styles are trained on aligned face crops, so the face path is what
// they are made for; frame mode runs that face model over the whole frame
// (backgrounds, clothes), which does not read as a cartoon.
constexpr GstCartoonizeMode kDefaultMode = GST_CARTOONIZE_MODE_FACE;
constexpr gfloat kDefaultStrength = 1.0f;
constexpr GstCartoonizeInputRange kDefaultRange = GST_CARTOONIZE_RANGE_AUTO;
constexpr gint kDefaultThreads = 0;
constexpr gint kDefaultDetectWidth = cartoonize::faces::kDefaultDetectWidth;
// auto = hog: tiny is faster only with OMP_WAIT_POLICY=passive or idle cores
// (15-30 vs 27-35 ms), 2-24x slower on busy cores with the default policy, and
// fires on SMPTE colour bars (docs/performance.md, "Face detectors").
constexpr GstCartoonizeDetector kDefaultDetector = GST_CARTOONIZE_DETECTOR_AUTO;
constexpr gint kDefaultDetectInterval = cartoonize::faces::kDefaultDetectInterval;
constexpr gint kDefaultTileInterval = cartoonize::faces::kDefaultTileInterval;
constexpr gfloat kDefaultCropMargin = cartoonize::faces::kDefaultCropMargin;
constexpr gint kDefaultMinCropSize = cartoonize::faces::kDefaultMinCrop;
constexpr gdouble kDefaultMinCutoff = cartoonize::faces::kDefaultMinCutoff;
constexpr gdouble kDefaultBeta = cartoonize::faces::kDefaultBeta;
constexpr gint kDefaultFadeFrames = cartoonize::faces::kDefaultFadeFrames;
constexpr gboolean kDefaultPostMessages = FALSE;
constexpr GstCartoonizeQuality kDefaultQuality = GST_CARTOONIZE_QUALITY_AUTO;
// Frame mode: long side (px) the generator runs at before guided upsampling
// (core/guided_upsample.h); 256 keeps 640x480 near 10 fps on 2 CPU cores.
constexpr gint kDefaultInferenceSize = 256;
// CUDA: frame mode's generator replayed from a CUDA graph (EngineOptions::cuda_graphs).
constexpr gboolean kDefaultCudaGraphs = TRUE;

constexpr gint kDefaultMaxPixels = 0;  // automatic, see max_pixels_for()
constexpr gint kMaxPixelsCuda = 3840 * 2160;
constexpr gint kMaxPixelsCpu = 1920 * 1080;

// The settings the streaming thread reads for every frame (no strings, so
// the per-frame copy is cheap). All may change while PLAYING except
// `device`, which is read per frame (GPU path, CPU fallback) but refused
// while running (start_only in gstcartoonize_properties.cpp).
struct FrameSettings {
  GstCartoonizeMode mode = kDefaultMode;
  gfloat strength = kDefaultStrength;
  gint detect_width = kDefaultDetectWidth;
  gint detect_interval = kDefaultDetectInterval;
  gint tile_interval = kDefaultTileInterval;
  gfloat crop_margin = kDefaultCropMargin;
  gdouble min_cutoff = kDefaultMinCutoff;
  gdouble beta = kDefaultBeta;
  gint fade_frames = kDefaultFadeFrames;
  gboolean post_messages = kDefaultPostMessages;
  gint max_pixels = kDefaultMaxPixels;
  GstCartoonizeDevice device = kDefaultDevice;  // changes apply at the next start (or CPU fallback)
  // Faces covering fewer frame pixels than the model's crop are cropped at
  // their own size, down to this (FaceStyle::min_crop; 0: off).
  gint min_crop_size = kDefaultMinCropSize;
};

// What the user set. Read under settings_lock; copied at start(), by the
// model loader, and (the FrameSettings part) per frame.
struct Settings : FrameSettings {
  std::string model_location;  // empty: the model of `style`
  gint style = 0;              // a GstCartoonizeStyle value; gst_cartoonize_init sets the default
  GstCartoonizeQuality quality = kDefaultQuality;  // the style's student or its own model
  GstCartoonizeInputRange input_range = kDefaultRange;
  gint threads = kDefaultThreads;
  gint inference_size = kDefaultInferenceSize;  // 0: full resolution
  gboolean cuda_graphs = kDefaultCudaGraphs;
  std::string landmark_model = cartoonize::faces::kDefaultPredictorPath;
  GstCartoonizeDetector detector = kDefaultDetector;  // applies when the face detector is loaded
};

// What start() built. Used under state_lock by the streaming thread; the
// model loader replaces `engine` under the same lock.
struct State {
  std::unique_ptr<cartoonize::Engine> engine;
  cartoonize::EngineOptions engine_options;  // how `engine` was loaded (for the CPU fallback)
  cartoonize::PixelLayout layout = cartoonize::PixelLayout::RGB;
  LatencyBudget latency;  // processing times; what the LATENCY query answered
  LiveTiming live;        // live streams: what the QoS skip decision needs
  // Face modes. The detector (landmark model) is loaded at start() when a
  // face mode is on, else by face_loader when one is first set (frames pass
  // without faces meanwhile), and kept until stop(); the tracker exists only
  // while a face mode is on and is rebuilt when its settings change.
  std::unique_ptr<cartoonize::faces::FaceDetector> detector;
  bool detector_requested = false;  // face_loader is loading it
  std::unique_ptr<cartoonize::faces::FaceTracker> tracker;  // schedules detection, keeps the times
};

}  // namespace cartoonize_element

struct _GstCartoonize {
  GstVideoFilter parent;
  std::mutex* settings_lock;
  cartoonize_element::Settings* settings;
  std::mutex* state_lock;
  cartoonize_element::State* state;
  cartoonize::ModelLoader* loader;  // model swaps while running; stopped in stop()
  cartoonize::ModelLoader* face_loader;  // the face models when a face mode is set while running
  cartoonize_element::CudaMemory* cuda;     // memory:CUDAMemory negotiation and context (cuda_memory.h)
};

// gstcartoonize_properties.cpp
void gst_cartoonize_install_properties(GObjectClass* gobject_class);
void gst_cartoonize_set_property(GObject* object, guint prop_id, const GValue* value, GParamSpec* pspec);
void gst_cartoonize_get_property(GObject* object, guint prop_id, GValue* value, GParamSpec* pspec);

// gstcartoonize_model.cpp
cartoonize::EngineOptions gst_cartoonize_engine_options(GstCartoonize* self, const cartoonize_element::Settings& s);
// Loads the model of `options` (made from `s`); posts an error and returns
// null on failure. A style's student that cannot be loaded gives way to the
// style's own model with a bus warning; `options` then names that model.
std::unique_ptr<cartoonize::Engine> gst_cartoonize_load_engine(GstCartoonize* self, const cartoonize_element::Settings& s,
                                                               cartoonize::EngineOptions& options);
// Starts the loader for model-location changes while running.
void gst_cartoonize_start_model_loader(GstCartoonize* self);
// Frame limit in pixels for max-pixels (0: automatic for the engine's device).
gint64 gst_cartoonize_max_pixels(const cartoonize_element::FrameSettings& fs, const cartoonize::Engine& engine);

// gstcartoonize_faces.cpp
// The face detector the settings ask for (`detector`, `landmark-model`).
// Throws cartoonize::Error naming the file that cannot be loaded.
std::unique_ptr<cartoonize::faces::FaceDetector> gst_cartoonize_make_face_detector(
    GstCartoonize* self, const cartoonize_element::Settings& s);
// Starts the loader of the face models for a face mode set while running.
void gst_cartoonize_start_face_loader(GstCartoonize* self);
// Makes the face state match this frame's settings (tracker built, rebuilt
// or dropped; the landmark model requested from face_loader on first use,
// no tracker until it is there). Throws on failure.
void gst_cartoonize_prepare_faces(GstCartoonize* self, cartoonize_element::State& st,
                                  const cartoonize_element::FrameSettings& fs);
// Forgets tracked faces and landmark smoothing (DISCONT, flush, new caps).
void gst_cartoonize_reset_faces(cartoonize_element::State& st);
// This frame's faces, found in `view` (host memory): face state prepared for
// the settings, tracking restarted on DISCONT, tracked. Empty in frame mode.
// Throws on failure.
std::vector<cartoonize::faces::TrackedFace> gst_cartoonize_find_faces(GstCartoonize* self,
                                                                       cartoonize_element::State& st,
                                                                       const cartoonize::ImageView& view,
                                                                       GstBuffer* buffer,
                                                                       const cartoonize_element::FrameSettings& fs);
void gst_cartoonize_publish_faces(GstCartoonize* self, GstBuffer* buffer,
                                  const std::vector<cartoonize::faces::TrackedFace>& faces, bool post);
