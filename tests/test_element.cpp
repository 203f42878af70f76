// The cartoonize element inside real GStreamer (GstHarness from gst-check),
// loaded from the build tree, on the project's default model. Frame mode
// (mode=frame, set explicitly: the element's default is the face path): the
// outputs are compared with the generator run on the whole frame.
#include <gst/check/gstharness.h>
#include <gst/gst.h>
#include <gst/video/video.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "engine.h"
#include "generator.h"
#include "model_file.h"
#include "element_support.h"
#include "model_fixtures.h"

using cartoonize::testing::TempDir;
using namespace cartoonize::testing;

namespace {

// Runs one buffer through `cartoonize <props>` and returns the output.
GstBuffer* run_one(const std::string& props, const char* format, int w, int h, GstBuffer* in) {
  GstHarness* harness = new_harness("cartoonize device=cpu mode=frame " + props, caps_for(format, w, h));
  GstBuffer* out = gst_harness_push_and_pull(harness, in);
  gst_harness_teardown(harness);
  return out;
}

// Sets the element to PAUSED in a pipeline; returns the error text posted (empty: started fine).
std::string start_error(const std::string& props) {
  GError* err = nullptr;
  GstElement* pipeline = gst_parse_launch(("videotestsrc num-buffers=1 ! video/x-raw,format=RGB,width=16,height=16 "
                                           "! cartoonize " + props + " ! fakesink").c_str(), &err);
  EXPECT_EQ(err, nullptr);
  const GstStateChangeReturn ret = gst_element_set_state(pipeline, GST_STATE_PAUSED);
  std::string text;
  if (ret == GST_STATE_CHANGE_FAILURE || ret == GST_STATE_CHANGE_ASYNC) {
    GstBus* bus = gst_element_get_bus(pipeline);
    GstMessage* msg = gst_bus_timed_pop_filtered(bus, 10 * GST_SECOND,
                                                 static_cast<GstMessageType>(GST_MESSAGE_ERROR | GST_MESSAGE_ASYNC_DONE));
    if (msg && GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR) {
      GError* e = nullptr;
      gst_message_parse_error(msg, &e, nullptr);
      text = e->message;
      g_error_free(e);
    }
    if (msg) gst_message_unref(msg);
    gst_object_unref(bus);
  }
  if (ret == GST_STATE_CHANGE_FAILURE) {
    EXPECT_FALSE(text.empty()) << "state change failed without an error message";
  }
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(pipeline);
  return text;
}

const char* kFormats[] = {"RGB", "BGR", "RGBx", "BGRx", "RGBA", "BGRA"};

}  // namespace

TEST(Plugin, LoadsFromTheBuildTree) {
  GstPlugin* plugin = gst_registry_find_plugin(gst_registry_get(), "cartoonize");
  ASSERT_NE(plugin, nullptr);
  const std::string file = gst_plugin_get_filename(plugin);
  EXPECT_NE(file.find(cartoonize::testing::env_or("CARTOONIZE_BUILD_ROOT", "build")), std::string::npos) << file;
  gst_object_unref(plugin);
  GstElementFactory* f = gst_element_factory_find("cartoonize");
  ASSERT_NE(f, nullptr);
  EXPECT_STREQ(gst_element_factory_get_metadata(f, GST_ELEMENT_METADATA_KLASS), "Filter/Effect/Video");
  gst_object_unref(f);
}

class EveryFormat : public ::testing::TestWithParam<const char*> {};

TEST_P(EveryFormat, NegotiatesAndMatchesRgbOutput) {
  // Every layout must give the same cartoon as RGB for the same picture.
  const char* format = GetParam();
  GstBuffer* out = run_one("", format, 64, 48, photo_buffer(format, 64, 48));
  GstBuffer* ref = run_one("", "RGB", 64, 48, photo_buffer("RGB", 64, 48));
  ASSERT_NE(out, nullptr);
  GstVideoInfo info, rinfo;
  gst_video_info_set_format(&info, gst_video_format_from_string(format), 64, 48);
  gst_video_info_set_format(&rinfo, GST_VIDEO_FORMAT_RGB, 64, 48);
  const std::string o = buffer_bytes(out), r = buffer_bytes(ref);
  const std::string f = format;
  const int bpp = f.size() == 3 ? 3 : 4;
  const bool bgr = f[0] == 'B';
  int diffs = 0;
  for (int y = 0; y < 48; ++y)
    for (int x = 0; x < 64; ++x) {
      const auto* p = reinterpret_cast<const uint8_t*>(o.data()) + y * GST_VIDEO_INFO_PLANE_STRIDE(&info, 0) + x * bpp;
      const auto* q = reinterpret_cast<const uint8_t*>(r.data()) + y * GST_VIDEO_INFO_PLANE_STRIDE(&rinfo, 0) + x * 3;
      diffs += (bgr ? p[2] : p[0]) != q[0];
      diffs += p[1] != q[1];
      diffs += (bgr ? p[0] : p[2]) != q[2];
      if (bpp == 4) {
        EXPECT_EQ(p[3], 0x5A);  // x / alpha untouched
      }
    }
  EXPECT_EQ(diffs, 0) << format;
  gst_buffer_unref(out);
  gst_buffer_unref(ref);
}
INSTANTIATE_TEST_SUITE_P(Formats, EveryFormat, ::testing::ValuesIn(kFormats));

class OddSizes : public ::testing::TestWithParam<std::pair<int, int>> {};
TEST_P(OddSizes, ProcessAndKeepPadding) {
  auto [w, h] = GetParam();
  GstVideoInfo info;
  GstBuffer* in = photo_buffer("RGB", w, h, &info);
  const std::string before = buffer_bytes(in);
  GstBuffer* out = run_one("", "RGB", w, h, in);
  ASSERT_NE(out, nullptr);
  const std::string after = buffer_bytes(out);
  ASSERT_EQ(after.size(), before.size());
  const int stride = GST_VIDEO_INFO_PLANE_STRIDE(&info, 0);
  int changed = 0;
  for (int y = 0; y < h; ++y) {
    for (int x = w * 3; x < stride; ++x) ASSERT_EQ(after[size_t(y) * stride + x], 0x5A) << "row padding written";
    changed += before.compare(size_t(y) * stride, size_t(w) * 3, after, size_t(y) * stride, size_t(w) * 3) != 0;
  }
  EXPECT_GT(changed, 0) << "the model changed nothing";
  gst_buffer_unref(out);
}
INSTANTIATE_TEST_SUITE_P(Sizes, OddSizes,
                         ::testing::Values(std::pair{1, 1}, std::pair{3, 5}, std::pair{641, 479}, std::pair{1920, 1080}));

TEST(Element, EqualsTheGeneratorRunThroughCore) {
  // Same model, same frame: the element's output equals the generator run
  // directly on a tensor built by OpenCV (proves no stride/colour/layout bug).
  const int w = 161, h = 107;  // odd width: RGB rows padded to 4 bytes
  GstBuffer* out = run_one("", "RGB", w, h, photo_buffer("RGB", w, h));
  auto model = cartoonize::load_model_file(cartoonize::testing::default_model());
  cv::Mat bgr = cv::imread(cartoonize::testing::shared_data("photos/sample2.jpg"));
  cv::resize(bgr, bgr, cv::Size(w, h), 0, 0, cv::INTER_AREA);
  cv::Mat rgb, f;
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  rgb.convertTo(f, CV_32FC3, 1 / 127.5, -1.0);
  torch::NoGradGuard ng;
  auto x = torch::from_blob(f.data, {h, w, 3}, torch::kFloat).permute({2, 0, 1}).unsqueeze(0);
  auto y = ((model.generator->forward(x) + 1) * 127.5).round().clamp(0, 255).squeeze(0).permute({1, 2, 0}).contiguous();
  GstVideoInfo info;
  gst_video_info_set_format(&info, GST_VIDEO_FORMAT_RGB, w, h);
  const std::string o = buffer_bytes(out);
  auto acc = y.accessor<float, 3>();
  int off_by_more_than_one = 0;
  for (int r = 0; r < h; ++r)
    for (int c = 0; c < w; ++c)
      for (int k = 0; k < 3; ++k)
        off_by_more_than_one +=
            std::abs(int(uint8_t(o[size_t(r) * GST_VIDEO_INFO_PLANE_STRIDE(&info, 0) + c * 3 + k])) - int(acc[r][c][k])) > 1;
  EXPECT_EQ(off_by_more_than_one, 0);
  gst_buffer_unref(out);
}

TEST(Element, HonoursAVideoMetaWithAWiderStride) {
  // Upstream buffers with their own stride (GstVideoMeta) are read through it.
  const int w = 40, h = 30, stride = 40 * 4 + 64;
  GstBuffer* plain = photo_buffer("RGBx", w, h);
  GstBuffer* wide = gst_buffer_new_and_alloc(size_t(stride) * h);
  const std::string src = buffer_bytes(plain);
  GstMapInfo map;
  gst_buffer_map(wide, &map, GST_MAP_WRITE);
  memset(map.data, 0x33, map.size);
  for (int y = 0; y < h; ++y) memcpy(map.data + y * stride, src.data() + y * w * 4, w * 4);
  gst_buffer_unmap(wide, &map);
  gsize offsets[4] = {0};
  gint strides[4] = {stride};
  gst_buffer_add_video_meta_full(wide, GST_VIDEO_FRAME_FLAG_NONE, GST_VIDEO_FORMAT_RGBx, w, h, 1, offsets, strides);
  GstBuffer* a = run_one("", "RGBx", w, h, plain);
  GstBuffer* b = run_one("", "RGBx", w, h, wide);
  const std::string oa = buffer_bytes(a), ob = buffer_bytes(b);
  for (int y = 0; y < h; ++y) {
    EXPECT_EQ(oa.compare(size_t(y) * w * 4, size_t(w) * 4, ob, size_t(y) * stride, size_t(w) * 4), 0) << "row " << y;
    for (int x = w * 4; x < stride; ++x) ASSERT_EQ(uint8_t(ob[size_t(y) * stride + x]), 0x33);
  }
  gst_buffer_unref(a);
  gst_buffer_unref(b);
}

TEST(Element, IsDeterministicOnCpu) {
  GstHarness* h = new_harness("cartoonize device=cpu mode=frame", caps_for("RGB", 96, 64));
  GstBuffer* a = gst_harness_push_and_pull(h, photo_buffer("RGB", 96, 64));
  GstBuffer* b = gst_harness_push_and_pull(h, photo_buffer("RGB", 96, 64));
  EXPECT_EQ(buffer_bytes(a), buffer_bytes(b));
  gst_buffer_unref(a);
  gst_buffer_unref(b);
  gst_harness_teardown(h);
}

TEST(Element, StrengthZeroReturnsTheInputExactly) {
  GstBuffer* in = photo_buffer("BGRA", 33, 21);
  const std::string before = buffer_bytes(in);
  GstBuffer* out = run_one("strength=0", "BGRA", 33, 21, in);
  EXPECT_EQ(buffer_bytes(out), before);
  gst_buffer_unref(out);
}

TEST(Element, PreservesTimestampsFlagsAndMetas) {
  GstHarness* h = new_harness("cartoonize device=cpu mode=frame", caps_for("RGB", 32, 24));
  GstBuffer* in = photo_buffer("RGB", 32, 24);
  GST_BUFFER_PTS(in) = 5 * GST_SECOND;
  GST_BUFFER_DTS(in) = 4 * GST_SECOND;
  GST_BUFFER_DURATION(in) = GST_SECOND / 30;
  GST_BUFFER_OFFSET(in) = 150;
  GST_BUFFER_FLAG_SET(in, GST_BUFFER_FLAG_DISCONT);
  gst_buffer_add_video_region_of_interest_meta(in, "marker", 1, 2, 3, 4);
  GstBuffer* out = gst_harness_push_and_pull(h, in);
  EXPECT_EQ(GST_BUFFER_PTS(out), 5 * GST_SECOND);
  EXPECT_EQ(GST_BUFFER_DTS(out), 4 * GST_SECOND);
  EXPECT_EQ(GST_BUFFER_DURATION(out), GST_SECOND / 30);
  EXPECT_EQ(GST_BUFFER_OFFSET(out), 150u);
  EXPECT_TRUE(GST_BUFFER_FLAG_IS_SET(out, GST_BUFFER_FLAG_DISCONT));
  auto* roi = gst_buffer_get_video_region_of_interest_meta(out);
  ASSERT_NE(roi, nullptr);
  EXPECT_EQ(roi->w, 3u);
  gst_buffer_unref(out);
  gst_harness_teardown(h);
}

TEST(Element, AnswersTheLatencyQuery) {
  GstHarness* h = new_harness("cartoonize device=cpu mode=frame", caps_for("RGB", 64, 64));
  gst_buffer_unref(gst_harness_push_and_pull(h, photo_buffer("RGB", 64, 64)));
  GstQuery* q = gst_query_new_latency();
  ASSERT_TRUE(gst_pad_peer_query(h->sinkpad, q));
  gboolean live;
  GstClockTime min, max;
  gst_query_parse_latency(q, &live, &min, &max);
  EXPECT_GT(min, 0u) << "processing time of the first frame should be reported";
  EXPECT_LT(min, 10 * GST_SECOND);
  gst_query_unref(q);
  gst_harness_teardown(h);
}

TEST(Element, DamagedModelsFailTheStateChangeNamingTheProblem) {
  TempDir dir;
  cartoonize::testing::write_random_model(dir.file("good.ctzm"), cartoonize::GeneratorConfig{8, 1});
  const std::string good = cartoonize::testing::read_bytes(dir.file("good.ctzm"));
  cartoonize::testing::write_bytes(dir.file("truncated.ctzm"), good.substr(0, good.size() / 2));
  std::string flipped = good;
  flipped[flipped.size() - 5] ^= 1;
  cartoonize::testing::write_bytes(dir.file("corrupt.ctzm"), flipped);
  std::string arch = good;
  arch.replace(arch.find("unet-wbc"), 8, "unet-xyz");
  cartoonize::testing::write_bytes(dir.file("header.ctzm"), arch);  // the header's own checksum no longer matches
  {
    // The same name with the header checksum made to match: the name is refused.
    uint32_t old_len = 0;
    std::memcpy(&old_len, arch.data() + 12, 4);
    const std::string text = arch.substr(16, old_len);
    ASSERT_EQ(text.rfind("header_crc32 ", 0), 0u) << text;
    const std::string body = text.substr(text.find('\n') + 1);
    const std::string head =
        std::string("header_crc32 ").append(std::to_string(cartoonize::crc32(body.data(), body.size()))).append("\n");
    const uint32_t len = uint32_t(head.size() + body.size());
    std::string sealed = arch.substr(0, 12);
    sealed.append(reinterpret_cast<const char*>(&len), 4).append(head).append(body).append(arch.substr(16 + old_len));
    arch = sealed;
  }
  cartoonize::testing::write_bytes(dir.file("arch.ctzm"), arch);
  cartoonize::testing::write_bytes(dir.file("text.ctzm"), "hello, I am not a model\n");

  EXPECT_EQ(start_error("model-location=" + dir.file("good.ctzm")), "");
  EXPECT_NE(start_error("model-location=" + dir.file("truncated.ctzm")).find("truncated"), std::string::npos);
  EXPECT_NE(start_error("model-location=" + dir.file("corrupt.ctzm")).find("checksum"), std::string::npos);
  EXPECT_NE(start_error("model-location=" + dir.file("header.ctzm")).find("header checksum mismatch"), std::string::npos);
  EXPECT_NE(start_error("model-location=" + dir.file("arch.ctzm")).find("unknown architecture"), std::string::npos);
  EXPECT_NE(start_error("model-location=" + dir.file("text.ctzm")).find("bad magic"), std::string::npos);
  EXPECT_NE(start_error("model-location=" + dir.file("missing.ctzm")).find("No such file"), std::string::npos);
}

TEST(Element, CudaWithoutAGpuFailsCleanly) {
  if (cartoonize::cuda_available()) GTEST_SKIP() << "a CUDA device is present";
  const std::string err = start_error("device=cuda");
  EXPECT_NE(err.find("device=cuda"), std::string::npos) << err;
}

TEST(Element, RunsATorchScriptModel) {
  TempDir dir;
  cartoonize::testing::write_script_model(dir.file("neg.pt"), "1.0 - x", "normalization zero_one\n");
  GstBuffer* in = photo_buffer("RGB", 20, 10);
  const std::string before = buffer_bytes(in);
  GstBuffer* out = run_one("model-location=" + dir.file("neg.pt"), "RGB", 20, 10, in);
  const std::string after = buffer_bytes(out);
  for (int y = 0; y < 10; ++y)
    for (int x = 0; x < 60; ++x) ASSERT_EQ(uint8_t(after[y * 60 + x]), 255 - uint8_t(before[y * 60 + x]));
  gst_buffer_unref(out);
}

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
