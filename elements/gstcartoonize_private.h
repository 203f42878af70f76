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
#include "tracker.h"

GST_DEBUG_CATEGORY_EXTERN(gst_cartoonize_debug);

namespace cartoonize_element {

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
// Frame mode: long side (px) the generator runs at before guided upsampling
// (core/guided_upsample.h); 256 keeps 640x480 near 10 fps on 2 CPU cores.
constexpr gint kDefaultInferenceSize = 256;

// What the user set. Read under settings_lock; copied at start() and per frame.
struct Settings {
  std::string model_location;  // empty: the default model
  GstCartoonizeDevice device = kDefaultDevice;
  GstCartoonizeMode mode = kDefaultMode;
  gfloat strength = kDefaultStrength;
  GstCartoonizeInputRange input_range = kDefaultRange;
  gint threads = kDefaultThreads;
  gint inference_size = kDefaultInferenceSize;  // 0: full resolution
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

}  // namespace cartoonize_element

struct _GstCartoonize {
  GstVideoFilter parent;
  std::mutex* settings_lock;
  cartoonize_element::Settings* settings;
  std::mutex* state_lock;
  cartoonize_element::State* state;
};

// gstcartoonize_properties.cpp
void gst_cartoonize_install_properties(GObjectClass* gobject_class);
void gst_cartoonize_set_property(GObject* object, guint prop_id, const GValue* value, GParamSpec* pspec);
void gst_cartoonize_get_property(GObject* object, guint prop_id, GValue* value, GParamSpec* pspec);

// gstcartoonize_faces.cpp
void gst_cartoonize_publish_faces(GstCartoonize* self, GstBuffer* buffer,
                                  const std::vector<cartoonize::faces::TrackedFace>& faces, bool post);
double gst_cartoonize_frame_seconds(GstVideoFrame* frame, guint64 index);
