// Helpers for the element tests: real photos as video buffers of any packed
// format, bytes out of buffers, harnesses and waiting for bus messages.
#pragma once
#include <gst/check/gstharness.h>
#include <gst/gst.h>
#include <gst/video/video.h>

#include <cstring>
#include <string>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "test_support.h"

namespace cartoonize::testing {

inline std::string caps_for(const char* format, int w, int h) {
  return "video/x-raw,format=" + std::string(format) + ",width=" + std::to_string(w) + ",height=" + std::to_string(h) +
         ",framerate=30/1";
}

inline int format_bpp(const std::string& format) { return format.size() == 3 ? 3 : 4; }

// A real photo (RGB), resized by OpenCV.
inline cv::Mat photo_rgb(int w, int h, const std::string& photo = "photos/sample2.jpg") {
  cv::Mat bgr = cv::imread(shared_data(photo)), rgb;
  EXPECT_FALSE(bgr.empty()) << photo;
  cv::resize(bgr, bgr, cv::Size(w, h), 0, 0, cv::INTER_AREA);
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  return rgb;
}

// An RGB picture as a frame of the given format (colour order and padding
// done here and by GstVideoInfo, not by the element's code). Padding and x /
// alpha bytes get 0x5A. `stride` 0: GstVideoInfo's default (with a video meta
// otherwise).
inline GstBuffer* picture_buffer(const cv::Mat& rgb, const char* format, GstVideoInfo* info_out = nullptr,
                                 int stride = 0) {
  GstVideoInfo info;
  gst_video_info_set_format(&info, gst_video_format_from_string(format), rgb.cols, rgb.rows);
  const int row = stride ? stride : GST_VIDEO_INFO_PLANE_STRIDE(&info, 0);
  GstBuffer* buf = gst_buffer_new_and_alloc(stride ? size_t(stride) * rgb.rows : GST_VIDEO_INFO_SIZE(&info));
  GstMapInfo map;
  gst_buffer_map(buf, &map, GST_MAP_WRITE);
  memset(map.data, 0x5A, map.size);
  const bool bgr_order = format[0] == 'B';
  const int bpp = format_bpp(format);
  for (int y = 0; y < rgb.rows; ++y)
    for (int x = 0; x < rgb.cols; ++x) {
      const cv::Vec3b p = rgb.at<cv::Vec3b>(y, x);
      uint8_t* d = map.data + size_t(y) * row + size_t(x) * bpp;
      d[0] = bgr_order ? p[2] : p[0];
      d[1] = p[1];
      d[2] = bgr_order ? p[0] : p[2];
    }
  gst_buffer_unmap(buf, &map);
  if (stride) {
    gsize offsets[4] = {0};
    gint strides[4] = {stride};
    gst_buffer_add_video_meta_full(buf, GST_VIDEO_FRAME_FLAG_NONE, GST_VIDEO_INFO_FORMAT(&info), rgb.cols, rgb.rows,
                                   1, offsets, strides);
    GST_VIDEO_INFO_PLANE_STRIDE(&info, 0) = stride;
  }
  if (info_out) *info_out = info;
  return buf;
}

inline GstBuffer* photo_buffer(const char* format, int w, int h, GstVideoInfo* info_out = nullptr) {
  return picture_buffer(photo_rgb(w, h), format, info_out);
}

// The RGB picture in a packed frame (row stride `stride`).
inline cv::Mat picture_of(GstBuffer* buf, const char* format, int w, int h, int stride) {
  cv::Mat rgb(h, w, CV_8UC3);
  GstMapInfo map;
  gst_buffer_map(buf, &map, GST_MAP_READ);
  const bool bgr_order = format[0] == 'B';
  const int bpp = format_bpp(format);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const uint8_t* s = map.data + size_t(y) * stride + size_t(x) * bpp;
      rgb.at<cv::Vec3b>(y, x) = bgr_order ? cv::Vec3b(s[2], s[1], s[0]) : cv::Vec3b(s[0], s[1], s[2]);
    }
  gst_buffer_unmap(buf, &map);
  return rgb;
}

inline std::string buffer_bytes(GstBuffer* buf) {
  GstMapInfo map;
  gst_buffer_map(buf, &map, GST_MAP_READ);
  std::string s(reinterpret_cast<char*>(map.data), map.size);
  gst_buffer_unmap(buf, &map);
  return s;
}

inline GstHarness* new_harness(const std::string& launch, const std::string& caps) {
  GstHarness* h = gst_harness_new_parse(launch.c_str());
  gst_harness_set_caps_str(h, caps.c_str(), caps.c_str());
  return h;
}

// The cartoonize element inside a harness made by gst_harness_new_parse
// (which wraps it in a bin). Borrowed: the harness keeps it.
inline GstElement* cartoonize_of(GstHarness* h) {
  GstElement* e = gst_harness_find_element(h, "cartoonize");
  EXPECT_NE(e, nullptr);
  gst_object_unref(e);
  return e;
}

// A bus for a harness's element, so its messages can be read.
inline GstBus* attach_bus(GstHarness* h) {
  GstBus* bus = gst_bus_new();
  gst_element_set_bus(h->element, bus);
  return bus;
}

// The next message of `types` (an element message only when its structure is
// called `name`, if given) within `timeout`; null if none came.
inline GstMessage* wait_for(GstBus* bus, GstMessageType types, const char* name = nullptr,
                            GstClockTime timeout = 120 * GST_SECOND) {
  const gint64 deadline = g_get_monotonic_time() + gint64(timeout / GST_USECOND);
  for (;;) {
    const gint64 left = deadline - g_get_monotonic_time();
    if (left <= 0) return nullptr;
    GstMessage* msg = gst_bus_timed_pop_filtered(bus, GstClockTime(left) * GST_USECOND, types);
    if (!msg) return nullptr;
    if (!name || GST_MESSAGE_TYPE(msg) != GST_MESSAGE_ELEMENT ||
        gst_structure_has_name(gst_message_get_structure(msg), name))
      return msg;
    gst_message_unref(msg);
  }
}

// The text of an error or warning message.
inline std::string message_text(GstMessage* msg) {
  GError* err = nullptr;
  gchar* debug = nullptr;
  if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR)
    gst_message_parse_error(msg, &err, &debug);
  else if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_WARNING)
    gst_message_parse_warning(msg, &err, &debug);
  std::string text = err ? err->message : "";
  if (debug) text += std::string(" | ") + debug;
  if (err) g_error_free(err);
  g_free(debug);
  return text;
}

}  // namespace cartoonize::testing
