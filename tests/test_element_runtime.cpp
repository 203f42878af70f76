// The element while it runs: model swaps while PLAYING, properties changed
// between frames, engine faults on the streaming thread, and a live pipeline
// that cannot keep up (QoS). Real GStreamer, real LibTorch models. Frame
// mode (set explicitly: the element's default is the face path) unless a test
// is about the modes: its small face-less frames would pass unchanged.
#include <gst/check/gstharness.h>
#include <gst/gst.h>
#include <gst/video/video.h>
#include <torch/cuda.h>
#include <torch/script.h>

#include <chrono>
#include <functional>
#include <opencv2/imgproc.hpp>
#include <vector>

#include "element_support.h"
#include "model_fixtures.h"

using namespace cartoonize::testing;

namespace {

constexpr int kW = 64, kH = 48;  // RGB rows of 192 bytes: no padding

GstBuffer* pull_after_push(GstHarness* h, GstBuffer* in) {
  EXPECT_EQ(gst_harness_push(h, in), GST_FLOW_OK);
  return gst_harness_pull(h);
}

std::string run_frame(GstHarness* h) {
  GstBuffer* out = pull_after_push(h, photo_buffer("RGB", kW, kH));
  std::string bytes = buffer_bytes(out);
  gst_buffer_unref(out);
  return bytes;
}

std::string inverted(const std::string& bytes) {
  std::string s = bytes;
  for (auto& c : s) c = char(255 - uint8_t(c));
  return s;
}

// "1.0 - x" in [0, 1]: the output is the exact negative of the input.
std::string negative_model(const TempDir& dir, const std::string& name = "neg.pt") {
  write_script_model(dir.file(name), "1.0 - x", "normalization zero_one\n");
  return dir.file(name);
}

std::string location_of(GstMessage* msg) {
  const gchar* s = gst_structure_get_string(gst_message_get_structure(msg), "location");
  return s ? s : "";
}

// Waits for the model-updated message naming `location`.
bool wait_model_updated(GstBus* bus, const std::string& location) {
  while (GstMessage* msg = wait_for(bus, GST_MESSAGE_ELEMENT, "model-updated")) {
    const bool match = location_of(msg) == location;
    gst_message_unref(msg);
    if (match) return true;
  }
  return false;
}

std::vector<float> landmark_points(GstBuffer* buf) {
  auto* roi = gst_buffer_get_video_region_of_interest_meta(buf);
  if (!roi) return {};
  GstStructure* lm = gst_video_region_of_interest_meta_get_param(roi, "landmarks");
  const GValue* points = gst_structure_get_value(lm, "points");
  std::vector<float> out;
  for (guint i = 0; i < gst_value_array_get_size(points); ++i)
    out.push_back(g_value_get_float(gst_value_array_get_value(points, i)));
  return out;
}

double mean_x(const std::vector<float>& points) {
  double sum = 0;
  for (size_t i = 0; i < points.size(); i += 2) sum += points[i];
  return sum / double(points.size() / 2);
}

guint roi_count(GstBuffer* buf) {
  guint n = 0;
  gpointer state = nullptr;
  while (gst_buffer_iterate_meta_filtered(buf, &state, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE)) ++n;
  return n;
}

}  // namespace

TEST(ModelSwap, ANewModelReplacesTheOldOneWhilePlaying) {
  TempDir dir;
  GstHarness* h = new_harness("cartoonize device=cpu mode=frame", caps_for("RGB", kW, kH));
  GstBus* bus = attach_bus(h);
  const std::string input = buffer_bytes(photo_buffer("RGB", kW, kH));
  const std::string before = run_frame(h);
  EXPECT_NE(before, input);
  const std::string neg = negative_model(dir);
  g_object_set(cartoonize_of(h), "model-location", neg.c_str(), nullptr);
  ASSERT_TRUE(wait_model_updated(bus, neg)) << "no model-updated message";
  EXPECT_EQ(run_frame(h), inverted(input));
  gst_harness_teardown(h);
  gst_object_unref(bus);
}

TEST(ModelSwap, ABadModelWarnsAndKeepsTheOldOne) {
  TempDir dir;
  write_bytes(dir.file("text.ctzm"), "hello, I am not a model\n");
  GstHarness* h = new_harness("cartoonize device=cpu mode=frame", caps_for("RGB", kW, kH));
  GstBus* bus = attach_bus(h);
  const std::string before = run_frame(h);
  const std::pair<std::string, std::string> bad[] = {{dir.file("text.ctzm"), "bad magic"},
                                                     {dir.file("missing.ctzm"), "No such file"}};
  for (const auto& [path, why] : bad) {
    g_object_set(cartoonize_of(h), "model-location", path.c_str(), nullptr);
    GstMessage* msg = wait_for(bus, GstMessageType(GST_MESSAGE_WARNING | GST_MESSAGE_ELEMENT), "model-updated");
    ASSERT_NE(msg, nullptr) << "no warning for " << path;
    ASSERT_EQ(GST_MESSAGE_TYPE(msg), GST_MESSAGE_WARNING) << "a bad model was swapped in";
    const std::string text = message_text(msg);
    EXPECT_NE(text.find(why), std::string::npos) << text;
    EXPECT_NE(text.find("keeping the model"), std::string::npos) << text;
    gst_message_unref(msg);
    EXPECT_EQ(run_frame(h), before) << "the old model must keep producing the same output";
  }
  gst_harness_teardown(h);
  gst_object_unref(bus);
}

TEST(ModelSwap, FramesKeepFlowingWhileModelsSwapUnderLoad) {
  TempDir dir;
  write_script_model(dir.file("dark.pt"), "x * 0.5", "normalization zero_one\n");
  const std::string dark = dir.file("dark.pt"), neg = negative_model(dir), last = negative_model(dir, "last.pt");
  GstHarness* h = new_harness("cartoonize device=cpu mode=frame model-location=" + dark, caps_for("RGB", kW, kH));
  GstBus* bus = attach_bus(h);
  const std::string input = buffer_bytes(photo_buffer("RGB", kW, kH));
  int pushed = 0;
  for (int round = 0; round < 12; ++round) {
    const std::string& next = round == 11 ? last : (round % 2 ? dark : neg);
    g_object_set(cartoonize_of(h), "model-location", next.c_str(), nullptr);  // no waiting: loads overlap the frames
    for (int i = 0; i < 4; ++i, ++pushed) ASSERT_EQ(gst_harness_push(h, photo_buffer("RGB", kW, kH)), GST_FLOW_OK);
  }
  ASSERT_TRUE(wait_model_updated(bus, last));
  // Every frame came out, each made by one of the models, whole.
  const std::string darkened = [&] {
    cv::Mat m = photo_rgb(kW, kH), half;
    m.convertTo(half, CV_32FC3, 0.5 / 255.0);
    half.convertTo(m, CV_8UC3, 255.0);
    return std::string(reinterpret_cast<char*>(m.data), m.total() * 3);
  }();
  int out = 0, by_neg = 0, by_dark = 0;
  while (GstBuffer* b = gst_harness_try_pull(h)) {
    const std::string bytes = buffer_bytes(b);
    by_neg += bytes == inverted(input);
    int off = 0;
    for (size_t i = 0; i < bytes.size(); ++i) off += std::abs(int(uint8_t(bytes[i])) - int(uint8_t(darkened[i]))) > 1;
    by_dark += off == 0;
    gst_buffer_unref(b);
    ++out;
  }
  EXPECT_EQ(out, pushed);
  EXPECT_EQ(by_neg + by_dark, pushed) << "a frame was made by neither model";
  EXPECT_EQ(run_frame(h), inverted(input)) << "the last model requested must be the one running";
  gst_harness_teardown(h);
  gst_object_unref(bus);
}

TEST(ModelSwap, StoppingDuringALoadIsSafeAndTheNextStartUsesTheNewModel) {
  TempDir dir;
  const std::string neg = negative_model(dir);
  const std::string input = buffer_bytes(photo_buffer("RGB", kW, kH));
  GstHarness* h = new_harness("cartoonize device=cpu mode=frame", caps_for("RGB", kW, kH));
  for (int i = 0; i < 5; ++i) {
    run_frame(h);
    g_object_set(cartoonize_of(h), "model-location", default_model().c_str(), nullptr);
    g_object_set(cartoonize_of(h), "model-location", neg.c_str(), nullptr);
    // Stop while the loader may be busy: stop() waits for it, nothing leaks.
    ASSERT_EQ(gst_element_set_state(h->element, GST_STATE_READY), GST_STATE_CHANGE_SUCCESS);
    ASSERT_EQ(gst_element_set_state(h->element, GST_STATE_PLAYING), GST_STATE_CHANGE_SUCCESS);
    gst_harness_set_src_caps_str(h, caps_for("RGB", kW, kH).c_str());  // caps and segment again
    EXPECT_EQ(run_frame(h), inverted(input)) << "start() must load the model-location set last";
    g_object_set(cartoonize_of(h), "model-location", nullptr, nullptr);
    ASSERT_EQ(gst_element_set_state(h->element, GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
    ASSERT_EQ(gst_element_set_state(h->element, GST_STATE_PLAYING), GST_STATE_CHANGE_SUCCESS);
    gst_harness_set_src_caps_str(h, caps_for("RGB", kW, kH).c_str());
  }
  // And a teardown straight after a request.
  g_object_set(cartoonize_of(h), "model-location", neg.c_str(), nullptr);
  gst_harness_teardown(h);
}

TEST(LiveProperties, StrengthAppliesToTheNextFrame) {
  GstHarness* h = new_harness("cartoonize device=cpu mode=frame", caps_for("RGB", kW, kH));
  const std::string input = buffer_bytes(photo_buffer("RGB", kW, kH));
  const std::string full = run_frame(h);
  EXPECT_NE(full, input);
  g_object_set(cartoonize_of(h), "strength", 0.f, nullptr);
  EXPECT_EQ(run_frame(h), input);
  g_object_set(cartoonize_of(h), "strength", 1.f, nullptr);
  EXPECT_EQ(run_frame(h), full);
  gst_harness_teardown(h);
}

TEST(LiveProperties, ModeSwitchesBetweenFrameAndFaceMidStream) {
  TempDir dir;
  write_script_model(dir.file("dark.pt"), "x * 0.5", "normalization zero_one\ninput_size 128\n");
  const cv::Mat rgb = photo_rgb(960, 684, "photos/sample2.jpg");
  GstVideoInfo info;
  gst_buffer_unref(picture_buffer(rgb, "RGB", &info));
  const std::string caps = caps_for("RGB", rgb.cols, rgb.rows);
  GstHarness* h = new_harness("cartoonize device=cpu detect-width=0 model-location=" + dir.file("dark.pt"), caps);
  struct Expect {
    const char* mode;
    bool faces;
    bool background_dark;
  };
  const Expect steps[] = {{"frame", false, true}, {"face", true, false}, {"frame", false, true},
                          {"both", true, true},   {"face", true, false}, {"frame", false, true}};
  for (const auto& step : steps) {
    SCOPED_TRACE(step.mode);
    gst_util_set_object_arg(G_OBJECT(cartoonize_of(h)), "mode", step.mode);
    GstBuffer* out = pull_after_push(h, picture_buffer(rgb, "RGB"));
    EXPECT_EQ(roi_count(out) > 0, step.faces);
    const cv::Mat pic = picture_of(out, "RGB", rgb.cols, rgb.rows, GST_VIDEO_INFO_PLANE_STRIDE(&info, 0));
    const cv::Vec3b a = rgb.at<cv::Vec3b>(5, 5), b = pic.at<cv::Vec3b>(5, 5);
    for (int c = 0; c < 3; ++c) EXPECT_NEAR(b[c], step.background_dark ? a[c] / 2.0 : a[c], 1.0);
    if (step.faces) {
      // The face itself is darkened in every mode that has faces.
      auto* roi = gst_buffer_get_video_region_of_interest_meta(out);
      const cv::Point centre(int(roi->x + roi->w / 2), int(roi->y + roi->h / 2));
      EXPECT_LT(cv::norm(pic.at<cv::Vec3b>(centre)), 0.7 * cv::norm(rgb.at<cv::Vec3b>(centre)));
    }
    gst_buffer_unref(out);
  }
  gst_harness_teardown(h);
}

// Started in frame mode, the element has no landmark model: switching to a
// face mode loads it on a worker thread. The frame that asks for it goes on
// without faces (the streaming thread does not wait for the load), and the
// faces come once it is in.
TEST(LiveProperties, FaceModeSetWhilePlayingLoadsTheFaceModelsWithoutHoldingFrames) {
  const cv::Mat rgb = photo_rgb(960, 684, "photos/sample2.jpg");
  GstHarness* h = new_harness("cartoonize device=cpu detect-width=0 face-detect-interval=1 mode=frame",
                              caps_for("RGB", rgb.cols, rgb.rows));
  gst_buffer_unref(pull_after_push(h, picture_buffer(rgb, "RGB")));
  gst_util_set_object_arg(G_OBJECT(cartoonize_of(h)), "mode", "face");
  GstBuffer* first = pull_after_push(h, picture_buffer(rgb, "RGB"));
  EXPECT_EQ(roi_count(first), 0u) << "the frame that asked for the face models waited for them";
  gst_buffer_unref(first);
  int frames = 0;
  size_t faces = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (faces == 0 && std::chrono::steady_clock::now() < deadline) {
    GstBuffer* out = pull_after_push(h, picture_buffer(rgb, "RGB"));
    faces = roi_count(out);
    gst_buffer_unref(out);
    ++frames;
  }
  EXPECT_EQ(faces, 1u) << "no face after " << frames << " frames";
  gst_harness_teardown(h);
}

TEST(LiveProperties, SmoothingSettingsApplyToTheNextFrames) {
  // A face that jumps 24 px: with a 100 Hz cutoff the smoothed landmarks
  // follow almost at once, with 0.001 Hz they barely move. Both set while
  // PLAYING, after three frames with the defaults.
  const cv::Mat big = photo_rgb(984, 684, "photos/sample2.jpg");
  const cv::Mat at_rest = big(cv::Rect(24, 0, 960, 684)).clone(), moved = big(cv::Rect(0, 0, 960, 684)).clone();
  auto jump = [&](double cutoff) {
    GstHarness* h = new_harness("cartoonize device=cpu strength=0 face-detect-interval=1 detect-width=0 mode=face",
                                caps_for("RGB", 960, 684));
    GstClockTime pts = 0;
    auto push = [&](const cv::Mat& pic) {
      GstBuffer* in = picture_buffer(pic, "RGB");
      GST_BUFFER_PTS(in) = pts;
      pts += GST_SECOND / 30;
      GstBuffer* out = pull_after_push(h, in);
      const auto points = landmark_points(out);
      gst_buffer_unref(out);
      EXPECT_EQ(points.size(), 136u);
      return points.empty() ? 0.0 : mean_x(points);
    };
    for (int i = 0; i < 3; ++i) push(at_rest);
    g_object_set(cartoonize_of(h), "smoothing-min-cutoff", cutoff, "smoothing-beta", 0.0, nullptr);
    const double rest = push(at_rest);
    const double after = push(moved);
    gst_harness_teardown(h);
    return after - rest;
  };
  const double fast = jump(100.0), slow = jump(0.001);
  std::printf("landmark mean x after a 24 px jump: %.2f px (cutoff 100 Hz), %.2f px (0.001 Hz)\n", fast, slow);
  EXPECT_GT(fast, 18.0);
  EXPECT_LT(std::abs(slow), 2.0);
}

namespace {

// A property as gst-launch-1.0 writes it: an enum by its nick.
std::string prop_text(GstElement* e, const char* name) {
  GParamSpec* spec = g_object_class_find_property(G_OBJECT_GET_CLASS(e), name);
  GValue v = G_VALUE_INIT;
  g_value_init(&v, G_PARAM_SPEC_VALUE_TYPE(spec));
  g_object_get_property(G_OBJECT(e), name, &v);
  std::string text;
  if (G_VALUE_HOLDS_ENUM(&v)) {
    GEnumClass* klass = G_ENUM_CLASS(g_type_class_ref(G_VALUE_TYPE(&v)));
    text = g_enum_get_value(klass, g_value_get_enum(&v))->value_nick;
    g_type_class_unref(klass);
  } else {
    gchar* c = g_strdup_value_contents(&v);
    text = c;
    g_free(c);
  }
  g_value_unset(&v);
  return text;
}

// The output of one frame from a fresh element started with `launch`.
std::string fresh_frame(const std::string& launch) {
  GstHarness* h = new_harness(launch, caps_for("RGB", kW, kH));
  const std::string bytes = run_frame(h);
  gst_harness_teardown(h);
  return bytes;
}

}  // namespace

// device, threads, detector and landmark-model are read when the element
// starts. Set while PLAYING, each is refused with a warning that names it;
// the old value stays (nothing is stored for a later swap) and frames flow.
TEST(StartOnlyProperties, ChangesWhilePlayingAreRefusedNamingThePropertyAndTheOldValueStays) {
  GstHarness* h = new_harness("cartoonize device=cpu mode=frame threads=0 detector=hog", caps_for("RGB", kW, kH));
  GstBus* bus = attach_bus(h);
  GstElement* e = cartoonize_of(h);
  const std::string before = run_frame(h);
  const std::pair<const char*, const char*> changes[] = {
      {"device", "cuda"}, {"threads", "3"}, {"detector", "tiny"}, {"landmark-model", "/nonexistent/landmarks.dat"}};
  for (const auto& [name, value] : changes) {
    SCOPED_TRACE(name);
    const std::string old = prop_text(e, name);
    gst_util_set_object_arg(G_OBJECT(e), name, value);
    EXPECT_EQ(prop_text(e, name), old) << "the refused value was stored";
    GstMessage* msg = wait_for(bus, GST_MESSAGE_WARNING, nullptr, 5 * GST_SECOND);
    ASSERT_NE(msg, nullptr) << "no warning for " << name;
    const std::string text = message_text(msg);
    gst_message_unref(msg);
    EXPECT_EQ(text.rfind(std::string(name) + " can only be changed in the NULL or READY state", 0), 0u) << text;
    EXPECT_NE(text.find(std::string(name) + "=" + old), std::string::npos) << text;
    EXPECT_EQ(run_frame(h), before) << "frames must keep flowing, unchanged";
  }
  // The value it already has is no change: no warning.
  gst_util_set_object_arg(G_OBJECT(e), "device", "cpu");
  GstMessage* quiet = gst_bus_pop_filtered(bus, GST_MESSAGE_WARNING);
  EXPECT_EQ(quiet, nullptr) << message_text(quiet);
  if (quiet) gst_message_unref(quiet);
  // Stopped (READY), they are accepted.
  ASSERT_EQ(gst_element_set_state(h->element, GST_STATE_READY), GST_STATE_CHANGE_SUCCESS);
  gst_util_set_object_arg(G_OBJECT(e), "threads", "2");
  EXPECT_EQ(prop_text(e, "threads"), "2");
  gst_harness_teardown(h);
  gst_object_unref(bus);
}

// The issue's case: device=cuda set while PLAYING used to be stored and
// blamed for every later swap, even of a file that does not exist.
TEST(StartOnlyProperties, RefusedDeviceIsNotBlamedForAMissingModelLater) {
  TempDir dir;
  GstHarness* h = new_harness("cartoonize device=cpu mode=frame", caps_for("RGB", kW, kH));
  GstBus* bus = attach_bus(h);
  GstElement* e = cartoonize_of(h);
  const std::string input = buffer_bytes(photo_buffer("RGB", kW, kH));
  const std::string before = run_frame(h);
  gst_util_set_object_arg(G_OBJECT(e), "device", "cuda");
  GstMessage* msg = wait_for(bus, GST_MESSAGE_WARNING, nullptr, 5 * GST_SECOND);
  ASSERT_NE(msg, nullptr);
  EXPECT_NE(message_text(msg).find("device"), std::string::npos) << message_text(msg);
  gst_message_unref(msg);
  EXPECT_EQ(prop_text(e, "device"), "cpu");
  EXPECT_EQ(run_frame(h), before);

  g_object_set(e, "model-location", "/nonexistent.ctzm", nullptr);
  msg = wait_for(bus, GstMessageType(GST_MESSAGE_WARNING | GST_MESSAGE_ELEMENT), "model-updated");
  ASSERT_NE(msg, nullptr);
  ASSERT_EQ(GST_MESSAGE_TYPE(msg), GST_MESSAGE_WARNING);
  const std::string text = message_text(msg);
  gst_message_unref(msg);
  EXPECT_NE(text.find("/nonexistent.ctzm"), std::string::npos) << text;
  EXPECT_NE(text.find("No such file"), std::string::npos) << text;
  EXPECT_EQ(text.find("device=cuda"), std::string::npos) << text;
  EXPECT_EQ(run_frame(h), before);

  const std::string neg = negative_model(dir);
  g_object_set(e, "model-location", neg.c_str(), nullptr);
  ASSERT_TRUE(wait_model_updated(bus, neg));
  EXPECT_EQ(run_frame(h), inverted(input)) << "a good model swaps in on the device the element runs on";
  gst_harness_teardown(h);
  gst_object_unref(bus);
}

// At start too, a missing file is named before a missing device.
TEST(StartOnlyProperties, AMissingModelIsNamedBeforeAMissingDeviceAtStart) {
  GError* err = nullptr;
  GstElement* pipeline = gst_parse_launch(
      "videotestsrc num-buffers=1 ! video/x-raw,format=RGB,width=64,height=48 ! cartoonize device=cuda mode=frame "
      "model-location=/nonexistent.ctzm ! fakesink",
      &err);
  ASSERT_EQ(err, nullptr);
  GstBus* bus = gst_element_get_bus(pipeline);
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  GstMessage* msg = wait_for(bus, GstMessageType(GST_MESSAGE_ERROR | GST_MESSAGE_EOS), nullptr, 30 * GST_SECOND);
  ASSERT_NE(msg, nullptr);
  ASSERT_EQ(GST_MESSAGE_TYPE(msg), GST_MESSAGE_ERROR);
  const std::string text = message_text(msg);
  gst_message_unref(msg);
  EXPECT_NE(text.find("No such file"), std::string::npos) << text;
  EXPECT_NE(text.find("model-location=/nonexistent.ctzm"), std::string::npos) << text;
  EXPECT_EQ(text.find("device=cuda"), std::string::npos) << text;
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(bus);
  gst_object_unref(pipeline);
}

// inference-size, input-range and cuda-graphs are read when a model is
// loaded: set while PLAYING, the model is reloaded with them (model-updated)
// and the next frames are what a fresh start with them makes.
TEST(LoadSettings, InferenceSizeChangedWhilePlayingReloadsAndApplies) {
  GstHarness* h = new_harness("cartoonize device=cpu mode=frame", caps_for("RGB", kW, kH));
  GstBus* bus = attach_bus(h);
  GstElement* e = cartoonize_of(h);
  const std::string full = run_frame(h);
  g_object_set(e, "inference-size", 32, nullptr);
  GstMessage* msg = wait_for(bus, GstMessageType(GST_MESSAGE_WARNING | GST_MESSAGE_ELEMENT), "model-updated");
  ASSERT_NE(msg, nullptr) << "no model-updated";
  ASSERT_EQ(GST_MESSAGE_TYPE(msg), GST_MESSAGE_ELEMENT) << message_text(msg);
  gst_message_unref(msg);
  gint size = 0;
  g_object_get(e, "inference-size", &size, nullptr);
  EXPECT_EQ(size, 32);
  const std::string reduced = run_frame(h);
  EXPECT_NE(reduced, full) << "the new inference size was not applied";
  EXPECT_EQ(reduced, fresh_frame("cartoonize device=cpu mode=frame inference-size=32"));

  // cuda-graphs goes the same way (ignored on the CPU: same output).
  g_object_set(e, "cuda-graphs", FALSE, nullptr);
  ASSERT_TRUE(wait_for(bus, GST_MESSAGE_ELEMENT, "model-updated")) << "no model-updated for cuda-graphs";
  EXPECT_EQ(prop_text(e, "cuda-graphs"), "FALSE");
  EXPECT_EQ(run_frame(h), reduced);

  // A model-location that does not load does not hold the setting back: the
  // model running is reloaded with it.
  g_object_set(e, "model-location", "/nonexistent.ctzm", nullptr);
  msg = wait_for(bus, GstMessageType(GST_MESSAGE_WARNING | GST_MESSAGE_ELEMENT), "model-updated");
  ASSERT_NE(msg, nullptr);
  EXPECT_EQ(GST_MESSAGE_TYPE(msg), GST_MESSAGE_WARNING);
  gst_message_unref(msg);
  g_object_set(e, "inference-size", 0, nullptr);
  ASSERT_TRUE(wait_for(bus, GST_MESSAGE_ELEMENT, "model-updated")) << "the running model was not reloaded";
  EXPECT_EQ(run_frame(h), full);
  gst_harness_teardown(h);
  gst_object_unref(bus);
}

TEST(LoadSettings, InputRangeChangedWhilePlayingReloadsAndApplies) {
  TempDir dir;
  write_script_model(dir.file("half.pt"), "x * 0.5", "");  // declares no range: input-range decides
  const std::string launch = "cartoonize device=cpu mode=frame model-location=" + dir.file("half.pt");
  GstHarness* h = new_harness(launch + " input-range=zero-one", caps_for("RGB", kW, kH));
  GstBus* bus = attach_bus(h);
  const std::string zero_one = run_frame(h);
  gst_util_set_object_arg(G_OBJECT(cartoonize_of(h)), "input-range", "minus-one-one");
  ASSERT_TRUE(wait_model_updated(bus, dir.file("half.pt")));
  const std::string minus_one_one = run_frame(h);
  EXPECT_NE(minus_one_one, zero_one);
  EXPECT_EQ(minus_one_one, fresh_frame(launch + " input-range=minus-one-one"));
  gst_harness_teardown(h);
  gst_object_unref(bus);
}

namespace {

// A TorchScript model computing 1 - x that fails on its second call with a
// 13-pixel-wide input (mm of a 4-D tensor: a real LibTorch error on the
// streaming thread, like a CUDA out-of-memory error). A freshly loaded copy
// counts from zero again.
std::string faulty_model(const TempDir& dir) {
  torch::jit::Module m("Faulty");
  m.register_attribute("calls", c10::IntType::get(), int64_t(0));
  m.define(R"(
def forward(self, x):
    if x.size(3) == 13:
        self.calls = self.calls + 1
        if self.calls == 2:
            return x.mm(x)
    return 1.0 - x
)");
  torch::jit::ExtraFilesMap extra{{"cartoonize.txt", "normalization zero_one\n"}};
  m.save(dir.file("faulty.pt"), extra);
  return dir.file("faulty.pt");
}

}  // namespace

TEST(EngineFaults, DeviceAutoOnTheCpuNamesTheFaultAndReloadsNothing) {
  // Already on the CPU there is nowhere to fall back to: the error names the
  // fault and the CPU, and no warning claims a reload "on the CPU" (as one
  // did for an 8K frame the CPU could not allocate).
  if (torch::cuda::is_available()) GTEST_SKIP() << "device=auto runs on CUDA here (the next test)";
  TempDir dir;
  GstHarness* h = new_harness("cartoonize device=auto mode=frame model-location=" + faulty_model(dir), caps_for("RGB", 13, 8));
  GstBus* bus = attach_bus(h);
  gst_buffer_unref(pull_after_push(h, picture_buffer(photo_rgb(13, 8), "RGB")));
  EXPECT_EQ(gst_harness_push(h, picture_buffer(photo_rgb(13, 8), "RGB")), GST_FLOW_ERROR);
  GstMessage* msg = wait_for(bus, GstMessageType(GST_MESSAGE_WARNING | GST_MESSAGE_ERROR), nullptr, 5 * GST_SECOND);
  ASSERT_NE(msg, nullptr);
  EXPECT_EQ(GST_MESSAGE_TYPE(msg), GST_MESSAGE_ERROR) << message_text(msg);
  EXPECT_NE(message_text(msg).find("inference failed"), std::string::npos) << message_text(msg);
  EXPECT_NE(message_text(msg).find("on cpu"), std::string::npos) << message_text(msg);
  EXPECT_EQ(message_text(msg).find("reloaded"), std::string::npos) << message_text(msg);
  gst_message_unref(msg);
  gst_harness_teardown(h);
  gst_object_unref(bus);
}

TEST(EngineFaults, DeviceAutoOnCudaWarnsReloadsOnTheCpuAndGoesOn) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device: device=auto runs on the CPU (the test before)";
  TempDir dir;
  GstHarness* h = new_harness("cartoonize device=auto mode=frame model-location=" + faulty_model(dir), caps_for("RGB", 13, 8));
  GstBus* bus = attach_bus(h);
  GstVideoInfo info;
  const std::string input = buffer_bytes(picture_buffer(photo_rgb(13, 8), "RGB", &info));
  const int stride = GST_VIDEO_INFO_PLANE_STRIDE(&info, 0);
  for (int i = 0; i < 3; ++i) {
    GstBuffer* out = pull_after_push(h, picture_buffer(photo_rgb(13, 8), "RGB"));
    ASSERT_NE(out, nullptr) << "frame " << i;
    const std::string bytes = buffer_bytes(out);
    for (int y = 0; y < 8; ++y)
      for (int x = 0; x < 39; ++x)
        ASSERT_EQ(uint8_t(bytes[y * stride + x]), 255 - uint8_t(input[y * stride + x])) << "frame " << i;
    gst_buffer_unref(out);
  }
  GstMessage* msg = wait_for(bus, GstMessageType(GST_MESSAGE_WARNING | GST_MESSAGE_ERROR), nullptr, 5 * GST_SECOND);
  ASSERT_NE(msg, nullptr);
  EXPECT_EQ(GST_MESSAGE_TYPE(msg), GST_MESSAGE_WARNING) << message_text(msg);
  EXPECT_NE(message_text(msg).find("reloaded on the CPU"), std::string::npos) << message_text(msg);
  gst_message_unref(msg);
  gst_harness_teardown(h);
  gst_object_unref(bus);
}

TEST(EngineFaults, AnExplicitDevicePostsAnErrorAndStopsTheFlow) {
  TempDir dir;
  GstHarness* h = new_harness("cartoonize device=cpu mode=frame model-location=" + faulty_model(dir), caps_for("RGB", 13, 8));
  GstBus* bus = attach_bus(h);
  gst_buffer_unref(pull_after_push(h, picture_buffer(photo_rgb(13, 8), "RGB")));
  EXPECT_EQ(gst_harness_push(h, picture_buffer(photo_rgb(13, 8), "RGB")), GST_FLOW_ERROR);
  GstMessage* msg = wait_for(bus, GST_MESSAGE_ERROR, nullptr, 5 * GST_SECOND);
  ASSERT_NE(msg, nullptr);
  EXPECT_NE(message_text(msg).find("inference failed"), std::string::npos) << message_text(msg);
  gst_message_unref(msg);
  gst_harness_teardown(h);
  gst_object_unref(bus);
}

TEST(Qos, ALiveSourceTheElementCannotKeepUpWithDropsFramesInsteadOfDrifting) {
  // 30 fps live input at a size the CPU generator takes far longer than
  // 33 ms for (640x480 at full resolution: about 1 s on 2 shared cores, and
  // well over 33 ms on any CPU): late frames must be dropped before the
  // generator (QoS), the latency answer must include the processing time,
  // and the stream ends.
  const int frames = 60;
  GError* err = nullptr;
  GstElement* pipeline = gst_parse_launch(
      ("videotestsrc is-live=true num-buffers=" + std::to_string(frames) +
       " ! video/x-raw,format=RGB,width=640,height=480,framerate=30/1 ! cartoonize name=c device=cpu mode=frame inference-size=0 "
       "! fakesink name=sink sync=true qos=true signal-handoffs=true")
          .c_str(),
      &err);
  ASSERT_EQ(err, nullptr);
  GstElement* sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
  GstElement* element = gst_bin_get_by_name(GST_BIN(pipeline), "c");
  gboolean qos = FALSE;
  g_object_get(element, "qos", &qos, nullptr);
  EXPECT_TRUE(qos) << "QoS must be on by default";
  int rendered = 0;
  g_signal_connect(sink, "handoff", G_CALLBACK(+[](GstElement*, GstBuffer*, GstPad*, gpointer n) { ++*static_cast<int*>(n); }),
                   &rendered);
  GstBus* bus = gst_element_get_bus(pipeline);
  ASSERT_NE(gst_element_set_state(pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  guint64 dropped = 0;
  int qos_messages = 0;
  bool eos = false;
  GstClockTime latency_min = 0;
  while (GstMessage* msg = wait_for(bus, GstMessageType(GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_QOS |
                                                        GST_MESSAGE_LATENCY))) {
    const GstMessageType type = GST_MESSAGE_TYPE(msg);
    if (type == GST_MESSAGE_LATENCY) {
      gst_bin_recalculate_latency(GST_BIN(pipeline));
      GstQuery* q = gst_query_new_latency();
      if (gst_element_query(pipeline, q)) gst_query_parse_latency(q, nullptr, &latency_min, nullptr);
      gst_query_unref(q);
    } else if (type == GST_MESSAGE_QOS && GST_MESSAGE_SRC(msg) == GST_OBJECT(element)) {
      GstFormat format;
      guint64 processed, drops;
      gst_message_parse_qos_stats(msg, &format, &processed, &drops);
      dropped = std::max(dropped, drops);
      ++qos_messages;
    }
    gst_message_unref(msg);
    if (type == GST_MESSAGE_ERROR) ADD_FAILURE() << "error";
    if (type == GST_MESSAGE_EOS) eos = true;
    if (type == GST_MESSAGE_EOS || type == GST_MESSAGE_ERROR) break;
  }
  EXPECT_TRUE(eos) << "the live pipeline did not reach EOS";
  std::printf("live 30 fps, 640x480 on the CPU (full resolution): %d of %d frames rendered, %d QoS messages, %" G_GUINT64_FORMAT
              " dropped, pipeline latency %.3f s\n",
              rendered, frames, qos_messages, dropped, double(latency_min) / GST_SECOND);
  EXPECT_GT(qos_messages, 0);
  EXPECT_GT(dropped, 0u);
  EXPECT_LT(rendered, frames);
  EXPECT_GT(latency_min, 0u) << "the latency answer must include the processing time";
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(bus);
  gst_object_unref(sink);
  gst_object_unref(element);
  gst_object_unref(pipeline);
}

namespace {

// A live pipeline of `launch` (a cartoonize named c, a fakesink named sink
// with signal-handoffs), run until EOS or `seconds`, answering LATENCY
// messages as gst-launch-1.0 and playbin do. `on_message` sees every other
// message and may stop the run by returning false.
struct LiveRun {
  int processed = 0;                // buffers that left the element
  int rendered = 0;                 // buffers the sink rendered
  guint64 skipped = 0;              // the element's QoS count
  std::vector<GstClockTime> latencies;  // the pipeline's latency after each LATENCY message
  bool eos = false;
  std::string error;
};

LiveRun run_live(const std::string& launch, double seconds,
                 const std::function<bool(GstElement* pipeline, GstMessage* msg, LiveRun& run)>& on_message = nullptr) {
  LiveRun run;
  GError* err = nullptr;
  GstElement* pipeline = gst_parse_launch(launch.c_str(), &err);
  if (err) {
    run.error = err->message;
    g_error_free(err);
    return run;
  }
  GstElement* sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
  GstElement* element = gst_bin_get_by_name(GST_BIN(pipeline), "c");
  g_signal_connect(sink, "handoff",
                   G_CALLBACK(+[](GstElement*, GstBuffer*, GstPad*, gpointer n) { ++*static_cast<int*>(n); }),
                   &run.rendered);
  GstPad* src = gst_element_get_static_pad(element, "src");
  gst_pad_add_probe(src, GST_PAD_PROBE_TYPE_BUFFER,
                    +[](GstPad*, GstPadProbeInfo*, gpointer n) {
                      g_atomic_int_inc(static_cast<int*>(n));
                      return GST_PAD_PROBE_OK;
                    },
                    &run.processed, nullptr);
  gst_object_unref(src);
  GstBus* bus = gst_element_get_bus(pipeline);
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  const gint64 end = g_get_monotonic_time() + gint64(seconds * 1e6);
  for (gint64 left; (left = end - g_get_monotonic_time()) > 0;) {
    GstMessage* msg = gst_bus_timed_pop(bus, GstClockTime(left) * GST_USECOND);
    if (!msg) break;
    bool go_on = true;
    switch (GST_MESSAGE_TYPE(msg)) {
      case GST_MESSAGE_LATENCY: {
        gst_bin_recalculate_latency(GST_BIN(pipeline));
        GstQuery* q = gst_query_new_latency();
        GstClockTime min = 0;
        if (gst_element_query(pipeline, q)) gst_query_parse_latency(q, nullptr, &min, nullptr);
        gst_query_unref(q);
        run.latencies.push_back(min);
        break;
      }
      case GST_MESSAGE_QOS:
        if (GST_MESSAGE_SRC(msg) == GST_OBJECT(element)) {
          GstFormat format;
          guint64 processed, dropped;
          gst_message_parse_qos_stats(msg, &format, &processed, &dropped);
          run.skipped = std::max(run.skipped, dropped);
        }
        break;
      case GST_MESSAGE_EOS: run.eos = true; go_on = false; break;
      case GST_MESSAGE_ERROR: run.error = message_text(msg); go_on = false; break;
      default: break;
    }
    if (go_on && on_message) go_on = on_message(pipeline, msg, run);
    gst_message_unref(msg);
    if (!go_on) break;
  }
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(bus);
  gst_object_unref(sink);
  gst_object_unref(element);
  gst_object_unref(pipeline);
  return run;
}

}  // namespace

TEST(Qos, LiveFrameModeAtASinkWithMaxLatenessShowsTheFramesItProcesses) {
  // The README's webcam line in frame mode, as video sinks run it: sync, QoS
  // and 20 ms max-lateness, at 30 fps, which frame mode at 640x480 cannot
  // keep up with on a CPU. The element must report a latency that covers its
  // worst case and skip the frames it cannot deliver in time, so that what
  // it does process reaches the screen: before, 11 of 46 processed frames
  // were shown (latency reported 300 ms, frames 590 ms late).
  const int frames = 180;  // 6 s
  const LiveRun run = run_live("videotestsrc is-live=true num-buffers=" + std::to_string(frames) +
                                   " ! video/x-raw,format=RGB,width=640,height=480,framerate=30/1 "
                                   "! cartoonize name=c device=cpu mode=frame "
                                   "! fakesink name=sink sync=true qos=true max-lateness=20000000 signal-handoffs=true",
                               60);
  std::printf("live 30 fps, 640x480 frame mode, max-lateness 20 ms: %d processed, %d rendered, %" G_GUINT64_FORMAT
              " skipped by the element, %zu latency messages, last latency %.3f s\n",
              run.processed, run.rendered, run.skipped, run.latencies.size(),
              run.latencies.empty() ? 0.0 : double(run.latencies.back()) / GST_SECOND);
  EXPECT_EQ(run.error, "");
  EXPECT_TRUE(run.eos) << "the live pipeline did not reach EOS";
  EXPECT_FALSE(run.latencies.empty()) << "the element never announced its processing time";
  EXPECT_GT(run.skipped, 0u) << "30 fps at 640x480 is more than a CPU does in frame mode: frames must be skipped";
  EXPECT_GE(run.rendered, 3);
  // The first frames come before the pipeline knows the element's latency.
  EXPECT_GE(run.rendered, (run.processed - 3) * 8 / 10)
      << "frames the element spent the generator on were dropped at the sink";
}

TEST(Qos, LatencyIsAnnouncedAgainWhenASwapMakesFramesFaster) {
  // Full resolution, then inference-size=64: frames get much faster, and the
  // pipeline's latency must follow (a latency message after the swap), or
  // every frame would be shown later than it has to be.
  std::vector<GstClockTime> before_swap;
  bool swapped = false;
  const LiveRun run = run_live(
      "videotestsrc is-live=true ! video/x-raw,format=RGB,width=320,height=240,framerate=15/1 "
      "! cartoonize name=c device=cpu mode=frame inference-size=0 "
      "! fakesink name=sink sync=true qos=true max-lateness=20000000 signal-handoffs=true",
      60, [&](GstElement* pipeline, GstMessage* msg, LiveRun& r) {
        if (!swapped && r.processed >= 6 && !r.latencies.empty()) {
          before_swap = r.latencies;
          GstElement* c = gst_bin_get_by_name(GST_BIN(pipeline), "c");
          g_object_set(c, "inference-size", 64, nullptr);
          gst_object_unref(c);
          swapped = true;
        }
        (void)msg;
        // Done once a latency under half the one before the swap is in place.
        return !(swapped && r.latencies.size() > before_swap.size() &&
                 r.latencies.back() < before_swap.back() / 2);
      });
  ASSERT_EQ(run.error, "");
  ASSERT_TRUE(swapped) << "no latency message before the swap (" << run.processed << " frames)";
  std::printf("latency at full resolution %.3f s, after inference-size=64 %.3f s (%zu messages)\n",
              double(before_swap.back()) / GST_SECOND, double(run.latencies.back()) / GST_SECOND,
              run.latencies.size());
  EXPECT_GT(run.latencies.size(), before_swap.size()) << "no latency message after the swap";
  EXPECT_LT(run.latencies.back(), before_swap.back() / 2);
}

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
