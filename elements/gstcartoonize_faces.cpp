// The face modes' outputs: ROI metas with landmarks on each buffer and the
// optional per-frame 'cartoonize' element message.
#include "gstcartoonize_private.h"

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

// Seconds for the landmark filter: the buffer's time, or a frame count at 30 fps.
double gst_cartoonize_frame_seconds(GstVideoFrame* frame, guint64 index) {
  const GstClockTime pts = GST_BUFFER_PTS(frame->buffer);
  return GST_CLOCK_TIME_IS_VALID(pts) ? double(pts) / GST_SECOND : double(index) / 30.0;
}

