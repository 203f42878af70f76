// video/x-raw(memory:CUDAMemory) negotiation (elements/cuda_memory.h): the
// pad templates offer it, and where it cannot be taken (device=cpu, no CUDA
// device) negotiation falls back to system memory or fails cleanly. The last
// two tests (frame and face modes in GPU memory) need a GPU and GStreamer's
// nvcodec plugin (cudaupload/cudadownload) and are skipped elsewhere.
#include <gst/gst.h>
#include <gst/video/video.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "engine.h"

namespace {

constexpr const char* kCudaFeature = "memory:CUDAMemory";

bool has_cuda_structure(const GstCaps* caps) {
  for (guint i = 0; i < gst_caps_get_size(caps); ++i) {
    const GstCapsFeatures* f = gst_caps_get_features(caps, i);
    if (f && !gst_caps_features_is_any(f) && gst_caps_features_contains(f, kCudaFeature)) return true;
  }
  return false;
}

bool has_system_structure(const GstCaps* caps) {
  for (guint i = 0; i < gst_caps_get_size(caps); ++i) {
    const GstCapsFeatures* f = gst_caps_get_features(caps, i);
    if (!f || gst_caps_features_is_equal(f, GST_CAPS_FEATURES_MEMORY_SYSTEM_MEMORY)) return true;
  }
  return false;
}

// The element's debug messages, collected while a test runs.
class DebugLog {
 public:
  explicit DebugLog(GstDebugLevel level) {
    gst_debug_set_threshold_for_name("cartoonize", level);
    gst_debug_add_log_function(&DebugLog::log, this, nullptr);
  }
  ~DebugLog() {
    gst_debug_remove_log_function_by_data(this);
    gst_debug_set_threshold_for_name("cartoonize", GST_LEVEL_NONE);
  }
  int count(const std::string& phrase) {
    std::lock_guard<std::mutex> lock(mutex_);
    int n = 0;
    for (const auto& line : lines_) n += line.find(phrase) != std::string::npos;
    return n;
  }
  std::string all() {
    std::lock_guard<std::mutex> lock(mutex_);
    std::string s;
    for (const auto& line : lines_) s += line + "\n";
    return s;
  }

 private:
  static void log(GstDebugCategory* category, GstDebugLevel, const gchar*, const gchar*, gint, GObject*,
                  GstDebugMessage* message, gpointer data) {
    if (std::string(gst_debug_category_get_name(category)) != "cartoonize") return;
    auto* self = static_cast<DebugLog*>(data);
    std::lock_guard<std::mutex> lock(self->mutex_);
    self->lines_.push_back(gst_debug_message_get(message));
  }
  std::mutex mutex_;
  std::vector<std::string> lines_;
};

// Runs a pipeline to EOS; returns the error text ("" when it ended well).
// `at_end` runs before the pipeline is set to NULL (the pads keep their caps).
std::string run_to_eos(GstElement* pipeline, const std::function<void()>& at_end = {}) {
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  GstBus* bus = gst_element_get_bus(pipeline);
  GstMessage* msg =
      gst_bus_timed_pop_filtered(bus, 120 * GST_SECOND, GstMessageType(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
  std::string error = msg ? "" : "timeout";
  if (msg && GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR) {
    GError* err = nullptr;
    gchar* debug = nullptr;
    gst_message_parse_error(msg, &err, &debug);
    error = std::string(err->message) + " | " + (debug ? debug : "");
    g_error_free(err);
    g_free(debug);
  }
  if (msg) gst_message_unref(msg);
  gst_object_unref(bus);
  if (at_end) at_end();
  gst_element_set_state(pipeline, GST_STATE_NULL);
  return error;
}

}  // namespace

TEST(CudaMemory, PadTemplatesListCudaAndSystemMemory) {
  GstElementFactory* factory = gst_element_factory_find("cartoonize");
  ASSERT_NE(factory, nullptr);
  int templates = 0;
  for (const GList* l = gst_element_factory_get_static_pad_templates(factory); l; l = l->next) {
    GstCaps* caps = gst_static_caps_get(&static_cast<GstStaticPadTemplate*>(l->data)->static_caps);
    EXPECT_TRUE(has_system_structure(caps));
#ifdef CARTOONIZE_WITH_CUDA_MEMORY
    EXPECT_TRUE(has_cuda_structure(caps)) << "built with gstreamer-cuda-1.0, but the template lacks " << kCudaFeature;
#else
    EXPECT_FALSE(has_cuda_structure(caps)) << "built without gstreamer-cuda-1.0";
#endif
    gst_caps_unref(caps);
    ++templates;
  }
  EXPECT_EQ(templates, 2);
  gst_object_unref(factory);
}

// device=cpu can never take CUDA memory; without a GPU neither can auto.
TEST(CudaMemory, CapsQueriesOfferSystemMemoryOnlyWhenTheGpuCannotBeUsed) {
  std::vector<std::string> devices = {"cpu"};
  if (!cartoonize::cuda_available()) devices.push_back("auto");
  for (const auto& device : devices) {
    SCOPED_TRACE("device=" + device);
    GstElement* element = gst_element_factory_make("cartoonize", nullptr);
    ASSERT_NE(element, nullptr);
    gst_util_set_object_arg(G_OBJECT(element), "device", device.c_str());
    ASSERT_EQ(gst_element_set_state(element, GST_STATE_READY), GST_STATE_CHANGE_SUCCESS);
    for (const char* name : {"sink", "src"}) {
      GstPad* pad = gst_element_get_static_pad(element, name);
      GstCaps* caps = gst_pad_query_caps(pad, nullptr);
      EXPECT_FALSE(has_cuda_structure(caps)) << name << ": " << gst_caps_to_string(caps);
      EXPECT_TRUE(has_system_structure(caps)) << name;
      gst_caps_unref(caps);
      GstCaps* cuda = gst_caps_from_string("video/x-raw(memory:CUDAMemory),format=RGB,width=32,height=24,framerate=30/1");
      GstCaps* system = gst_caps_from_string("video/x-raw,format=RGB,width=32,height=24,framerate=30/1");
      EXPECT_FALSE(gst_pad_query_accept_caps(pad, cuda)) << name;
      EXPECT_TRUE(gst_pad_query_accept_caps(pad, system)) << name;
      gst_caps_unref(cuda);
      gst_caps_unref(system);
      gst_object_unref(pad);
    }
    gst_element_set_state(element, GST_STATE_NULL);
    gst_object_unref(element);
  }
}

// Downstream accepts both; upstream (videotestsrc) has system memory only.
TEST(CudaMemory, ASystemMemoryPipelineStillNegotiatesAndRuns) {
  GError* err = nullptr;
  GstElement* pipeline = gst_parse_launch(
      "videotestsrc num-buffers=3 ! video/x-raw,format=BGRx,width=32,height=24 ! cartoonize name=c "
      "! video/x-raw(memory:CUDAMemory),format=BGRx;video/x-raw,format=BGRx ! fakesink name=sink",
      &err);
  ASSERT_EQ(err, nullptr) << err->message;
  bool checked = false;
  EXPECT_EQ(run_to_eos(pipeline,
                       [&] {
                         GstElement* c = gst_bin_get_by_name(GST_BIN(pipeline), "c");
                         GstPad* src = gst_element_get_static_pad(c, "src");
                         if (GstCaps* caps = gst_pad_get_current_caps(src)) {
                           EXPECT_FALSE(has_cuda_structure(caps)) << gst_caps_to_string(caps);
                           EXPECT_TRUE(has_system_structure(caps));
                           gst_caps_unref(caps);
                           checked = true;
                         }
                         gst_object_unref(src);
                         gst_object_unref(c);
                       }),
            "");
  EXPECT_TRUE(checked) << "no caps were negotiated";
  gst_object_unref(pipeline);
}

// An upstream that insists on CUDA memory gets not-negotiated, a clean error
// and a debug message saying why; nothing crashes.
TEST(CudaMemory, CudaOnlyUpstreamIsRefusedWithAReason) {
  DebugLog log(GST_LEVEL_DEBUG);
  GError* err = nullptr;
  GstElement* pipeline = gst_parse_launch(
      "appsrc name=src format=time caps=\"video/x-raw(memory:CUDAMemory),format=RGB,width=32,height=24,"
      "framerate=30/1\" ! cartoonize device=cpu ! fakesink",
      &err);
  ASSERT_EQ(err, nullptr) << err->message;
  GstElement* src = gst_bin_get_by_name(GST_BIN(pipeline), "src");
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  GstBuffer* buffer = gst_buffer_new_and_alloc(32 * 24 * 3);
  gst_buffer_memset(buffer, 0, 0x40, 32 * 24 * 3);
  GST_BUFFER_PTS(buffer) = 0;
  GstFlowReturn ret;
  g_signal_emit_by_name(src, "push-buffer", buffer, &ret);
  gst_buffer_unref(buffer);
  g_signal_emit_by_name(src, "end-of-stream", &ret);
  gst_object_unref(src);
  const std::string error = run_to_eos(pipeline);
  EXPECT_NE(error.find("not-negotiated"), std::string::npos) << error;
  EXPECT_GT(log.count("memory:CUDAMemory caps left out (device=cpu)") + log.count("refusing memory:CUDAMemory"), 0)
      << log.all();
  gst_object_unref(pipeline);
}

// GPU + nvcodec only: cudaupload -> cartoonize -> cudadownload gives the
// frames the system-memory path gives, and the frames stayed on the GPU.
namespace {

// Skips the calling test unless the GPU pipelines can run here.
#define SKIP_WITHOUT_GPU_PIPELINES()                                                                         \
  do {                                                                                                     \
    if (!gpu_pipelines_runnable())                                                                         \
      GTEST_SKIP() << "needs a build with gstreamer-cuda-1.0, a CUDA device and GStreamer's cudaupload/"   \
                      "cudadownload (nvcodec plugin)";                                                     \
  } while (0)

bool gpu_pipelines_runnable() {
#ifndef CARTOONIZE_WITH_CUDA_MEMORY
  return false;
#else
  GstElementFactory* up = gst_element_factory_find("cudaupload");
  GstElementFactory* down = gst_element_factory_find("cudadownload");
  const bool runnable = cartoonize::cuda_available() && up && down;
  if (up) gst_object_unref(up);
  if (down) gst_object_unref(down);
  return runnable;
#endif
}

// The BGRx frames of `src ! [cudaupload !] cartoonize props [! cudadownload]`,
// rows without their padding (strides may differ).
std::vector<std::string> pull_frames(const std::string& src, const std::string& props, bool cuda) {
  const std::string mid = cuda ? "cudaupload ! video/x-raw(memory:CUDAMemory) ! cartoonize " + props +
                                     " ! video/x-raw(memory:CUDAMemory) ! cudadownload ! "
                               : "cartoonize " + props + " ! ";
  GError* err = nullptr;
  GstElement* pipeline = gst_parse_launch(
      (src + " ! " + mid + "video/x-raw,format=BGRx ! appsink name=out sync=false emit-signals=false").c_str(), &err);
  EXPECT_EQ(err, nullptr);
  std::vector<std::string> out;
  GstElement* sink = gst_bin_get_by_name(GST_BIN(pipeline), "out");
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  while (GstSample* sample = [&] {
           GstSample* s = nullptr;  // null at EOS, or after 30 s when the pipeline failed
           g_signal_emit_by_name(sink, "try-pull-sample", GstClockTime(30 * GST_SECOND), &s);
           return s;
         }()) {
    GstVideoInfo info;
    GstVideoFrame frame;
    EXPECT_TRUE(gst_video_info_from_caps(&info, gst_sample_get_caps(sample)));
    EXPECT_TRUE(gst_video_frame_map(&frame, &info, gst_sample_get_buffer(sample), GST_MAP_READ));
    std::string rows;
    for (int y = 0; y < GST_VIDEO_FRAME_HEIGHT(&frame); ++y)
      rows.append(static_cast<const char*>(GST_VIDEO_FRAME_PLANE_DATA(&frame, 0)) +
                      size_t(y) * GST_VIDEO_FRAME_PLANE_STRIDE(&frame, 0),
                  size_t(GST_VIDEO_FRAME_WIDTH(&frame)) * 4);
    out.push_back(rows);
    gst_video_frame_unmap(&frame);
    gst_sample_unref(sample);
  }
  gst_object_unref(sink);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(pipeline);
  return out;
}

struct FrameDiff {
  double mean = 0;
  int worst = 0;
};
FrameDiff frame_diff(const std::string& a, const std::string& b) {
  FrameDiff d;
  double sum = 0;
  for (size_t k = 0; k < a.size(); ++k) {
    const int v = std::abs(int(uint8_t(a[k])) - int(uint8_t(b[k])));
    sum += v;
    d.worst = std::max(d.worst, v);
  }
  d.mean = a.empty() ? 0 : sum / double(a.size());
  return d;
}

}  // namespace

TEST(CudaMemory, OnTheGpuCudaBuffersMatchTheSystemMemoryPath) {
  SKIP_WITHOUT_GPU_PIPELINES();
  const std::string src = "videotestsrc num-buffers=4 pattern=ball ! video/x-raw,format=BGRx,width=320,height=240";
  DebugLog log(GST_LEVEL_LOG);
  // Frame mode, set explicitly (the element's default is the face path, and
  // the ball pattern has no face).
  const auto on_gpu = pull_frames(src, "device=cuda mode=frame", true);
  EXPECT_GE(log.count("cartoonized in CUDA memory"), 4) << log.all();
  const auto through_host = pull_frames(src, "device=cuda mode=frame", false);
  ASSERT_EQ(on_gpu.size(), 4u);
  ASSERT_EQ(through_host.size(), 4u);
  for (size_t i = 0; i < on_gpu.size(); ++i) {
    ASSERT_EQ(on_gpu[i].size(), through_host[i].size());
    EXPECT_LE(frame_diff(on_gpu[i], through_host[i]).worst, 1) << "frame " << i;
  }
}

// Face mode: faces found on a host copy, warped, cartoonized and pasted in
// GPU memory (core/face_warp.h) against the host path's OpenCV warp/paste;
// tolerances as in tests/faces/test_face_warp.cpp's engine comparison, on
// the same reference model (ink, $CARTOONIZE_REFERENCE_MODEL) they were set for.
TEST(CudaMemory, OnTheGpuFaceModeMatchesTheSystemMemoryPath) {
  SKIP_WITHOUT_GPU_PIPELINES();
  const char* data = std::getenv("CARTOONIZE_SHARED_DATA");
  ASSERT_NE(data, nullptr);
  const std::string src = std::string("filesrc location=") + data +
                          "/photos/sample1.jpg ! jpegdec ! videoconvert ! videoscale ! "
                          "video/x-raw,format=BGRx,width=640,height=480 ! imagefreeze num-buffers=4";
  for (const char* mode : {"face", "both"}) {
    SCOPED_TRACE(mode);
    const char* reference = std::getenv("CARTOONIZE_REFERENCE_MODEL");
    const std::string props = std::string("device=cuda mode=") + mode +
                              (reference && *reference ? std::string(" model-location=") + reference : std::string());
    DebugLog log(GST_LEVEL_LOG);
    const auto on_gpu = pull_frames(src, props, true);
    EXPECT_GE(log.count("cartoonized in CUDA memory ("), 4) << log.all();
    const auto through_host = pull_frames(src, props, false);
    ASSERT_EQ(on_gpu.size(), 4u);
    ASSERT_EQ(through_host.size(), 4u);
    for (size_t i = 0; i < on_gpu.size(); ++i) {
      ASSERT_EQ(on_gpu[i].size(), through_host[i].size());
      const FrameDiff d = frame_diff(on_gpu[i], through_host[i]);
      EXPECT_LT(d.mean, 0.2) << "frame " << i;
      EXPECT_LE(d.worst, 24) << "frame " << i;
    }
  }
}

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
