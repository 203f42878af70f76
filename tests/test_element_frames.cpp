// Frames the element must survive: tiny and odd sizes in every format,
// strides with padding, caps changes mid-stream, GAP and DISCONT buffers,
// buffers without timestamps, 8K frames; and pipelines driven hard through
// state changes, flushing seeks and EOS. Real GStreamer, the default model,
// frame mode (set explicitly: the element's default is the face path) unless
// a test names another mode.
#include <dirent.h>
#include <gst/check/gstharness.h>
#include <gst/gst.h>
#include <gst/video/video.h>

#include <opencv2/imgproc.hpp>

#include "element_support.h"
#include "model_fixtures.h"

using namespace cartoonize::testing;

namespace {

const char* kFormats[] = {"RGB", "BGR", "RGBx", "BGRx", "RGBA", "BGRA"};

GstBuffer* push_pull(GstHarness* h, GstBuffer* in) {
  EXPECT_EQ(gst_harness_push(h, in), GST_FLOW_OK);
  return gst_harness_pull(h);
}

// The output of one frame through a fresh `cartoonize device=cpu <props>`.
std::string fresh_output(const cv::Mat& rgb, const char* format, const std::string& props = "") {
  GstHarness* h = new_harness("cartoonize device=cpu mode=frame " + props, caps_for(format, rgb.cols, rgb.rows));
  GstBuffer* out = push_pull(h, picture_buffer(rgb, format));
  std::string bytes = buffer_bytes(out);
  gst_buffer_unref(out);
  gst_harness_teardown(h);
  return bytes;
}

// Checks a packed frame: the 4th byte and the row padding still hold 0x5A.
void expect_padding_intact(const std::string& bytes, const char* format, int w, int h, int stride) {
  const int bpp = format_bpp(format);
  for (int y = 0; y < h; ++y) {
    for (int x = w * bpp; x < stride; ++x) ASSERT_EQ(uint8_t(bytes[size_t(y) * stride + x]), 0x5A) << "padding";
    if (bpp == 4) {
      for (int x = 0; x < w; ++x) ASSERT_EQ(uint8_t(bytes[size_t(y) * stride + x * 4 + 3]), 0x5A) << "4th byte";
    }
  }
}

int thread_count() {
  int n = 0;
  if (DIR* d = opendir("/proc/self/task")) {
    while (dirent* e = readdir(d)) n += e->d_name[0] != '.';
    closedir(d);
  }
  return n;
}

guint roi_count(GstBuffer* buf) {
  guint n = 0;
  gpointer state = nullptr;
  while (gst_buffer_iterate_meta_filtered(buf, &state, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE)) ++n;
  return n;
}

int first_roi_id(GstBuffer* buf) {
  auto* roi = gst_buffer_get_video_region_of_interest_meta(buf);
  return roi ? roi->id : -1;
}

// Waits for EOS or an error on a pipeline's bus; true on EOS.
bool run_to_eos(GstElement* pipeline, GstClockTime timeout = 300 * GST_SECOND) {
  GstBus* bus = gst_element_get_bus(pipeline);
  GstMessage* msg = wait_for(bus, GstMessageType(GST_MESSAGE_EOS | GST_MESSAGE_ERROR), nullptr, timeout);
  const bool eos = msg && GST_MESSAGE_TYPE(msg) == GST_MESSAGE_EOS;
  if (msg && !eos) ADD_FAILURE() << message_text(msg);
  if (msg) gst_message_unref(msg);
  gst_object_unref(bus);
  return eos;
}

}  // namespace

class EveryFormat : public ::testing::TestWithParam<const char*> {};

TEST_P(EveryFormat, TinyAndOddSizesRenegotiatedMidStream) {
  // One running element, caps changed between frames: each output equals
  // what a fresh element makes of that size, padding and 4th byte untouched.
  const char* format = GetParam();
  const std::pair<int, int> sizes[] = {{1, 1}, {2, 2}, {3, 1}, {1, 3}, {5, 7}, {17, 9}, {2, 2}, {31, 1}};
  GstHarness* h = new_harness("cartoonize device=cpu mode=frame", caps_for(format, 1, 1));
  for (auto [w, hh] : sizes) {
    SCOPED_TRACE(std::to_string(w) + "x" + std::to_string(hh));
    gst_harness_set_caps_str(h, caps_for(format, w, hh).c_str(), caps_for(format, w, hh).c_str());
    const cv::Mat rgb = photo_rgb(w, hh);
    GstVideoInfo info;
    GstBuffer* out = push_pull(h, picture_buffer(rgb, format, &info));
    ASSERT_NE(out, nullptr);
    const std::string bytes = buffer_bytes(out);
    gst_buffer_unref(out);
    expect_padding_intact(bytes, format, w, hh, GST_VIDEO_INFO_PLANE_STRIDE(&info, 0));
    EXPECT_EQ(bytes, fresh_output(rgb, format));
  }
  gst_harness_teardown(h);
}

TEST_P(EveryFormat, CustomStridesAndOffsetsFromAVideoMeta) {
  // Rows 29 bytes longer than needed (not even aligned) via GstVideoMeta.
  const char* format = GetParam();
  const int w = 37, hh = 23, stride = w * format_bpp(format) + 29;
  const cv::Mat rgb = photo_rgb(w, hh);
  GstHarness* h = new_harness("cartoonize device=cpu mode=frame", caps_for(format, w, hh));
  GstBuffer* out = push_pull(h, picture_buffer(rgb, format, nullptr, stride));
  const std::string bytes = buffer_bytes(out);
  gst_buffer_unref(out);
  gst_harness_teardown(h);
  expect_padding_intact(bytes, format, w, hh, stride);
  GstVideoInfo plain;
  gst_buffer_unref(picture_buffer(rgb, format, &plain));
  const std::string ref = fresh_output(rgb, format);
  const int row = w * format_bpp(format);
  for (int y = 0; y < hh; ++y)
    EXPECT_EQ(bytes.compare(size_t(y) * stride, row, ref, size_t(y) * GST_VIDEO_INFO_PLANE_STRIDE(&plain, 0), row), 0)
        << "row " << y;
}
INSTANTIATE_TEST_SUITE_P(Formats, EveryFormat, ::testing::ValuesIn(kFormats));

TEST(Buffers, GapBuffersPassThroughUntouched) {
  GstHarness* h = new_harness("cartoonize device=cpu mode=frame", caps_for("RGB", 32, 24));
  GstBuffer* gap = photo_buffer("RGB", 32, 24);
  const std::string before = buffer_bytes(gap);
  GST_BUFFER_FLAG_SET(gap, GST_BUFFER_FLAG_GAP);
  GstBuffer* out = push_pull(h, gap);
  EXPECT_EQ(buffer_bytes(out), before);
  EXPECT_TRUE(GST_BUFFER_FLAG_IS_SET(out, GST_BUFFER_FLAG_GAP));
  gst_buffer_unref(out);
  // An empty GAP buffer (no picture at all) too.
  GstBuffer* empty = gst_buffer_new();
  GST_BUFFER_FLAG_SET(empty, GST_BUFFER_FLAG_GAP);
  out = push_pull(h, empty);
  EXPECT_EQ(gst_buffer_get_size(out), 0u);
  gst_buffer_unref(out);
  // And a normal frame after them is processed.
  out = push_pull(h, photo_buffer("RGB", 32, 24));
  EXPECT_NE(buffer_bytes(out), before);
  gst_buffer_unref(out);
  gst_harness_teardown(h);
}

TEST(Buffers, DiscontAndFlushRestartFaceTracking) {
  // A tracked face keeps its id from frame to frame; after a DISCONT buffer
  // or a flush the tracks (and their smoothing) start over under a new id.
  const cv::Mat rgb = photo_rgb(960, 684);
  GstHarness* h = new_harness("cartoonize device=cpu mode=face strength=0 detect-width=0", caps_for("RGB", 960, 684));
  auto id_of = [&](GstClockTime pts, bool discont) {
    GstBuffer* in = picture_buffer(rgb, "RGB");
    GST_BUFFER_PTS(in) = pts;
    if (discont) GST_BUFFER_FLAG_SET(in, GST_BUFFER_FLAG_DISCONT);
    GstBuffer* out = push_pull(h, in);
    const int id = first_roi_id(out);
    gst_buffer_unref(out);
    return id;
  };
  const int first = id_of(0, true);
  ASSERT_GE(first, 0) << "no face found";
  EXPECT_EQ(id_of(GST_SECOND / 30, false), first);
  EXPECT_EQ(id_of(2 * GST_SECOND / 30, false), first);
  const int after_discont = id_of(3 * GST_SECOND / 30, true);
  EXPECT_NE(after_discont, first);
  EXPECT_EQ(id_of(4 * GST_SECOND / 30, false), after_discont);
  ASSERT_TRUE(gst_harness_push_event(h, gst_event_new_flush_start()));
  ASSERT_TRUE(gst_harness_push_event(h, gst_event_new_flush_stop(TRUE)));
  GstSegment segment;
  gst_segment_init(&segment, GST_FORMAT_TIME);
  ASSERT_TRUE(gst_harness_push_event(h, gst_event_new_segment(&segment)));
  const int after_flush = id_of(0, false);
  EXPECT_GE(after_flush, 0);
  EXPECT_NE(after_flush, after_discont);
  gst_harness_teardown(h);
}

TEST(Buffers, FramesWithoutTimestampsAreProcessedAndTracked) {
  TempDir dir;
  write_script_model(dir.file("dark.pt"), "x * 0.5", "normalization zero_one\n");
  const cv::Mat rgb = photo_rgb(960, 684);
  const std::string input = buffer_bytes(picture_buffer(rgb, "RGB"));
  GstHarness* h = new_harness("cartoonize device=cpu mode=both detect-width=0 model-location=" + dir.file("dark.pt"),
                              caps_for("RGB", 960, 684));
  int id = -1;
  for (int i = 0; i < 3; ++i) {
    GstBuffer* in = picture_buffer(rgb, "RGB");
    GST_BUFFER_PTS(in) = GST_BUFFER_DTS(in) = GST_BUFFER_DURATION(in) = GST_CLOCK_TIME_NONE;
    GstBuffer* out = push_pull(h, in);
    EXPECT_FALSE(GST_BUFFER_PTS_IS_VALID(out));
    EXPECT_NE(buffer_bytes(out), input);
    EXPECT_EQ(roi_count(out), 1u);
    if (i == 0) id = first_roi_id(out);
    EXPECT_EQ(first_roi_id(out), id);
    gst_buffer_unref(out);
  }
  gst_harness_teardown(h);
}

TEST(Sizes, FramesOverMaxPixelsRunOnceAtTheFittedSize) {
  // max-pixels=4096 on 640x480: the generator sees the frame once at 73x55
  // and the cartoon is guided back up in core (Engine::cartoonize_frame),
  // exactly as with inference-size=73; the 4th bytes stay the frame's own.
  const cv::Mat rgb = photo_rgb(640, 480);
  GstHarness* h = new_harness("cartoonize device=cpu mode=frame max-pixels=4096", caps_for("RGBx", 640, 480));
  GstBuffer* out = push_pull(h, picture_buffer(rgb, "RGBx"));
  const std::string bytes = buffer_bytes(out);
  expect_padding_intact(bytes, "RGBx", 640, 480, 640 * 4);
  gst_buffer_unref(out);
  gst_harness_teardown(h);
  const std::string want = fresh_output(rgb, "RGBx", "inference-size=73 max-pixels=0");
  EXPECT_EQ(bytes, want);
  EXPECT_NE(bytes, fresh_output(rgb, "RGBx", "inference-size=0 max-pixels=0")) << "the limit changed nothing";
}

TEST(Sizes, An8KFrameInFrameModeRunsWithinTheDefaultLimit) {
  const int w = 7680, hh = 4320;
  gint max_pixels = -1;
  GstHarness* h = new_harness("cartoonize device=cpu mode=frame", caps_for("BGRx", w, hh));
  g_object_get(cartoonize_of(h), "max-pixels", &max_pixels, nullptr);
  EXPECT_EQ(max_pixels, 0) << "default: automatic";
  const cv::Mat rgb = photo_rgb(w, hh);
  GstBuffer* out = push_pull(h, picture_buffer(rgb, "BGRx"));
  ASSERT_NE(out, nullptr);
  const std::string bytes = buffer_bytes(out);
  expect_padding_intact(bytes, "BGRx", w, hh, w * 4);
  const cv::Mat got = picture_of(out, "BGRx", w, hh, w * 4);
  gst_buffer_unref(out);
  gst_harness_teardown(h);
  // The whole frame was cartoonized: every 480x480 block changed.
  for (int y = 0; y < hh; y += 480)
    for (int x = 0; x < w; x += 480) {
      const cv::Rect r(x, y, 480, 480);
      EXPECT_GT(cv::norm(got(r), rgb(r), cv::NORM_L1), 480.0 * 480) << "block " << r;
    }
}

TEST(Sizes, An8KFrameInFaceMode) {
  // A face photo scaled up 6x into an 8K frame: found (detection runs on
  // the frame scaled to 1280 px wide, where the face has the size it has in
  // the 960 px photo), cartoonized and pasted back; the rest untouched.
  const int w = 7680, hh = 4320;
  cv::Mat photo = photo_rgb(960, 684), rgb(hh, w, CV_8UC3, cv::Scalar(40, 90, 160));
  cv::resize(photo, photo, cv::Size(), 6.0, 6.0, cv::INTER_LINEAR);
  photo.copyTo(rgb(cv::Rect((w - photo.cols) / 2, (hh - photo.rows) / 2, photo.cols, photo.rows)));
  GstHarness* h = new_harness("cartoonize device=cpu mode=face detect-width=1280", caps_for("RGB", w, hh));
  GstBuffer* out = push_pull(h, picture_buffer(rgb, "RGB"));
  ASSERT_NE(out, nullptr);
  EXPECT_GE(roi_count(out), 1u);
  const cv::Mat got = picture_of(out, "RGB", w, hh, w * 3);
  gst_buffer_unref(out);
  gst_harness_teardown(h);
  EXPECT_GT(cv::norm(got, rgb, cv::NORM_L1), 0.0) << "the face was not cartoonized";
  EXPECT_EQ(cv::norm(got(cv::Rect(0, 0, 200, 200)), rgb(cv::Rect(0, 0, 200, 200)), cv::NORM_INF), 0.0);
}

TEST(States, FiftyFullCyclesWithModelSwapsLeaveNoThreadsBehind) {
  GError* err = nullptr;
  GstElement* pipeline = gst_parse_launch(
      "videotestsrc ! video/x-raw,format=RGB,width=32,height=24 ! cartoonize name=c device=cpu mode=frame "
      "! fakesink name=sink signal-handoffs=true",
      &err);
  ASSERT_EQ(err, nullptr);
  GstElement* element = gst_bin_get_by_name(GST_BIN(pipeline), "c");
  GstElement* sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
  int rendered = 0;
  g_signal_connect(sink, "handoff", G_CALLBACK(+[](GstElement*, GstBuffer*, GstPad*, gpointer n) { ++*static_cast<int*>(n); }),
                   &rendered);
  const GstState cycle[] = {GST_STATE_READY, GST_STATE_PAUSED, GST_STATE_PLAYING, GST_STATE_PAUSED,
                            GST_STATE_READY, GST_STATE_NULL};
  int threads_after_first = 0;
  for (int i = 0; i < 50; ++i) {
    for (GstState s : cycle) {
      ASSERT_NE(gst_element_set_state(pipeline, s), GST_STATE_CHANGE_FAILURE) << "cycle " << i;
      ASSERT_EQ(gst_element_get_state(pipeline, nullptr, nullptr, 60 * GST_SECOND), GST_STATE_CHANGE_SUCCESS)
          << "cycle " << i << " to " << gst_element_state_get_name(s);
      // A model swap requested while running, sometimes left pending.
      if (s == GST_STATE_PLAYING) g_object_set(element, "model-location", default_model().c_str(), nullptr);
    }
    if (i == 0) threads_after_first = thread_count();
  }
  EXPECT_GT(rendered, 0);
  // GStreamer's task pool may keep a spare thread or two; a leak would be one per cycle.
  EXPECT_LE(thread_count(), threads_after_first + 4) << "threads leak across start/stop";
  EXPECT_EQ(GST_OBJECT_REFCOUNT_VALUE(element), 2);  // the bin's and ours
  gst_object_unref(sink);
  gst_object_unref(element);
  gst_object_unref(pipeline);
}

TEST(States, FlushingSeeksWhileProcessing) {
  GError* err = nullptr;
  GstElement* pipeline = gst_parse_launch(
      "videotestsrc num-buffers=40 pattern=ball ! video/x-raw,format=RGB,width=96,height=64,framerate=30/1 "
      "! cartoonize device=cpu mode=frame ! fakesink sync=false",
      &err);
  ASSERT_EQ(err, nullptr);
  ASSERT_NE(gst_element_set_state(pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  ASSERT_EQ(gst_element_get_state(pipeline, nullptr, nullptr, 60 * GST_SECOND), GST_STATE_CHANGE_SUCCESS);
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(gst_element_seek_simple(pipeline, GST_FORMAT_TIME,
                                        GstSeekFlags(GST_SEEK_FLAG_FLUSH | GST_SEEK_FLAG_ACCURATE),
                                        (i % 3) * GST_SECOND / 10));
    g_usleep(20000);
  }
  EXPECT_TRUE(run_to_eos(pipeline));
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(pipeline);
}

TEST(States, EosInTheMiddleOfAStream) {
  GError* err = nullptr;
  GstElement* pipeline = gst_parse_launch(
      "videotestsrc ! video/x-raw,format=RGB,width=96,height=64 ! cartoonize device=cpu mode=both ! fakesink", &err);
  ASSERT_EQ(err, nullptr);
  ASSERT_NE(gst_element_set_state(pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  ASSERT_EQ(gst_element_get_state(pipeline, nullptr, nullptr, 60 * GST_SECOND), GST_STATE_CHANGE_SUCCESS);
  g_usleep(200000);
  ASSERT_TRUE(gst_element_send_event(pipeline, gst_event_new_eos()));
  EXPECT_TRUE(run_to_eos(pipeline, 60 * GST_SECOND));
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(pipeline);
}

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
