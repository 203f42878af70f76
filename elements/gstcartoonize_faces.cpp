// The face modes' state (detector, tracker) as the settings change while
// playing, and their outputs: ROI metas with landmarks on each buffer and the
// optional per-frame 'cartoonize' element message.
#include "gstcartoonize_private.h"

#include <filesystem>

#include "tiny_face_detector.h"

using namespace cartoonize_element;

namespace {

// face-api's tiny detector weights, installed beside the styles folder.
std::string tiny_detector_manifest() {
  return (std::filesystem::path(data_dir()) / "face-api" /
          cartoonize::faceapi::TinyFaceDetector::kManifestName)
      .string();
}

// Live streams detect in the background: no frame waits for the detector
// (a frame that did would be late every detect-interval-th frame). Files
// detect in step, so a transcode gives the same faces run after run.
cartoonize::faces::FaceTracker::Config tracker_config(const FrameSettings& fs, bool live) {
  cartoonize::faces::FaceTracker::Config tc;
  tc.background_detection = live;
  tc.detect_width = fs.detect_width;
  tc.detect_interval = fs.detect_interval;
  tc.tile_interval = fs.tile_interval;
  tc.min_cutoff = fs.min_cutoff;
  tc.beta = fs.beta;
  tc.fade_frames = fs.fade_frames;
  return tc;
}

// The settings a running tracker cannot take over (the intervals it can).
bool same_config(const cartoonize::faces::FaceTracker::Config& a, const cartoonize::faces::FaceTracker::Config& b) {
  return a.detect_width == b.detect_width && a.min_cutoff == b.min_cutoff && a.beta == b.beta &&
         a.fade_frames == b.fade_frames && a.background_detection == b.background_detection;
}

}  // namespace

std::unique_ptr<cartoonize::faces::FaceDetector> gst_cartoonize_make_face_detector(GstCartoonize* self,
                                                                                 const Settings& s) {
  using cartoonize::faces::DetectorKind;
  const std::string manifest = tiny_detector_manifest();
  // auto is HOG: see kDefaultDetector.
  const DetectorKind kind = s.detector == GST_CARTOONIZE_DETECTOR_TINY ? DetectorKind::Tiny : DetectorKind::Hog;
  GST_INFO_OBJECT(self, "face detector: %s, landmarks: %s",
                  kind == DetectorKind::Tiny ? manifest.c_str() : "dlib HOG", s.landmark_model.c_str());
  return std::make_unique<cartoonize::faces::FaceDetector>(s.landmark_model, kind, manifest);
}

void gst_cartoonize_prepare_faces(GstCartoonize* self, State& st, const FrameSettings& fs) {
  if (fs.mode == GST_CARTOONIZE_MODE_FRAME) {
    st.tracker.reset();
    return;
  }
  if (!st.detector) {
    // A face mode set while playing: the models load on face_loader's thread
    // (a second or so), frames go on without faces until they are in.
    if (!st.detector_requested) {
      GST_INFO_OBJECT(self, "face mode on: loading the face models in the background");
      st.detector_requested = self->face_loader->request("");
    }
    st.tracker.reset();
    return;
  }
  const auto tc = tracker_config(fs, st.live.live);
  if (st.tracker && same_config(st.tracker->config(), tc)) {
    st.tracker->set_detect_interval(tc.detect_interval);
    st.tracker->set_tile_interval(tc.tile_interval);
    return;
  }
  // New smoothing/fade/detection settings: a fresh tracker (faces found in
  // its first frame start fully present, so nothing fades or pops).
  st.tracker = std::make_unique<cartoonize::faces::FaceTracker>(*st.detector, tc);
}

void gst_cartoonize_start_face_loader(GstCartoonize* self) {
  self->face_loader->start([self](const std::string&) {
    Settings s;
    {
      std::lock_guard<std::mutex> lock(*self->settings_lock);
      s = *self->settings;
    }
    std::unique_ptr<cartoonize::faces::FaceDetector> detector;
    std::string error;
    try {
      detector = gst_cartoonize_make_face_detector(self, s);
    } catch (const std::exception& e) {
      error = e.what();
    } catch (...) {
      error = "cannot load the landmark model";
    }
    if (!detector) {  // as start() reports it: the face mode cannot run
      GST_ELEMENT_ERROR(self, RESOURCE, OPEN_READ, ("%s", error.c_str()),
                        ("landmark-model=%s", s.landmark_model.c_str()));
      return;
    }
    std::lock_guard<std::mutex> lock(*self->state_lock);
    if (self->state->engine && !self->state->detector) self->state->detector = std::move(detector);
    GST_INFO_OBJECT(self, "face models loaded");
  });
}

void gst_cartoonize_reset_faces(State& st) {
  if (st.tracker) st.tracker->reset();
}

std::vector<cartoonize::faces::TrackedFace> gst_cartoonize_find_faces(GstCartoonize* self, State& st,
                                                                       const cartoonize::ImageView& view,
                                                                       GstBuffer* buffer, const FrameSettings& fs) {
  if (GST_BUFFER_IS_DISCONT(buffer)) gst_cartoonize_reset_faces(st);
  gst_cartoonize_prepare_faces(self, st, fs);
  if (!st.tracker) return {};
  // The tracker schedules detection and keeps times increasing (a buffer
  // without a PTS follows the last one).
  const GstClockTime pts = GST_BUFFER_PTS(buffer);
  return st.tracker->track(cartoonize::faces::wrap_frame(view),
                           GST_CLOCK_TIME_IS_VALID(pts) ? double(pts) / GST_SECOND : -1.0);
}

// Describes the faces of this frame: a "face" GstVideoRegionOfInterestMeta
// each (landmarks in its "landmarks" param) and, with post-messages, an
// element message like facedetect's.
void gst_cartoonize_publish_faces(GstCartoonize* self, GstBuffer* buffer,
                                  const std::vector<cartoonize::faces::TrackedFace>& faces, bool post) {
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

