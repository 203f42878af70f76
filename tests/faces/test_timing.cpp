// Per-stage timings on the sample photos, printed for the record (no timed
// assertions: machines differ). Checks only that each stage produced output.
#include <gtest/gtest.h>

#include <chrono>

#include "align.h"
#include "face_test_data.h"
#include "paste.h"

namespace cf = cartoonize::faces;
using cf::test::detector;

namespace {
template <class F>
double ms_per_call(int reps, F&& f) {
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < reps; ++i) f();
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() / reps;
}
}  // namespace

TEST(Timing, PerStage) {
  std::vector<cv::Mat> photos;
  for (const auto& file : cf::test::sample_photos()) photos.push_back(cf::test::load_rgb(file));
  size_t faces = 0;
  for (int width : {1920, 960, 640}) {
    const double ms = ms_per_call(1, [&] {
      for (const auto& p : photos) faces += detector().detect(p, width).size();
    });
    std::printf("detect at %4d px wide: %6.1f ms per photo\n", width, ms / photos.size());
  }
  ASSERT_GT(faces, 0u);

  const cv::Mat& rgb = photos[0];
  const auto boxes = detector().detect(rgb, 0);
  ASSERT_FALSE(boxes.empty());
  cf::Landmarks lm;
  const double lm_ms = ms_per_call(20, [&] { lm = detector().landmarks(rgb, boxes[0]); });
  std::printf("landmarks:            %6.2f ms per face\n", lm_ms);

  constexpr int kSize = 256;
  cv::Matx23f M;
  cv::Mat crop;
  const double align_ms = ms_per_call(50, [&] {
    M = cf::alignment_transform(lm, kSize, 0.3f);
    crop = cf::warp_face(rgb, M, kSize);
  });
  std::printf("align + warp %d²:     %6.2f ms per face\n", kSize, align_ms);
  cv::Mat mask;
  const double mask_ms = ms_per_call(50, [&] { mask = cf::face_mask(cf::transform_landmarks(M, lm), kSize, 0.08f, 0.12f); });
  std::printf("face_mask %d²:        %6.2f ms per face\n", kSize, mask_ms);
  cv::Mat frame = rgb.clone();
  const double paste_ms = ms_per_call(50, [&] { cf::paste_back(frame, crop, mask, M, 1.f); });
  std::printf("paste_back:           %6.2f ms per face (region %d px², frame %dx%d)\n", paste_ms,
              cf::paste_region(M, crop.size(), frame.size()).area(), frame.cols, frame.rows);
  EXPECT_FALSE(crop.empty());
}
