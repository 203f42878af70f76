// Inputs the element will meet besides clean group photos: no face, tight
// face crops, tiny faces, grey-looking frames, a portrait phone video, bad input.
#include <gtest/gtest.h>

#include <cstdio>

#include <opencv2/imgproc.hpp>

#include "error.h"
#include "face_test_data.h"
#include "tracker.h"

namespace cf = cartoonize::faces;
using cf::test::detector;

namespace {

bool finite_and_near(const cf::Landmarks& lm, const cv::Rect& box) {
  const cv::Rect near(box.x - box.width, box.y - box.height, box.width * 3, box.height * 3);
  for (const auto& p : lm)
    if (!std::isfinite(p.x) || !std::isfinite(p.y) || !near.contains(cv::Point(p))) return false;
  return true;
}

}  // namespace

TEST(Robustness, GradientHasNoFace) {
  cv::Mat grad(480, 640, CV_8UC3);
  for (int y = 0; y < grad.rows; ++y)
    for (int x = 0; x < grad.cols; ++x)
      grad.at<cv::Vec3b>(y, x) = cv::Vec3b(uchar(x * 255 / 639), uchar(y * 255 / 479), uchar(128));
  EXPECT_TRUE(detector().detect(grad, 0).empty());
  EXPECT_TRUE(detector().detect(grad, 320).empty());
  EXPECT_TRUE(detector().detect(grad, 100).empty());  // upsampled path
}

TEST(Robustness, TightFaceCrops) {
  // 30 of the 200×200 UTKFace crops, spread over the set.
  int found_default = 0, found_plain = 0, n = 0;
  for (int i = 0; i < 3000; i += 100, ++n) {
    char name[32];
    std::snprintf(name, sizeof name, "face_%05d.jpg", i);
    const cv::Mat rgb = cf::test::load_rgb(cf::test::shared_data() / "faces" / name);
    const auto boxes = detector().detect(rgb, 0);  // 200 px < 320: upsampled 2×
    if (!boxes.empty()) {
      ++found_default;
      EXPECT_TRUE(finite_and_near(detector().landmarks(rgb, boxes[0]), boxes[0])) << name;
    }
    cf::FaceDetector& d = detector();
    d.set_upsample_below(0);
    found_plain += !d.detect(rgb, 0).empty();
    d.set_upsample_below(cf::kDefaultUpsampleBelow);
  }
  std::printf("tight 200x200 crops: found %d/%d upsampled (default), %d/%d at native size\n", found_default, n,
              found_plain, n);
  EXPECT_GE(found_default * 10, n * 9);
}

TEST(Robustness, TinyFacesDoNotCrash) {
  const cv::Mat photo = cf::test::load_rgb(cf::test::sample_photos()[0]);
  cv::Mat tiny;
  cv::resize(photo, tiny, photo.size() / 8, 0, 0, cv::INTER_AREA);  // faces of 13–32 px
  std::vector<cv::Rect> boxes;
  ASSERT_NO_THROW(boxes = detector().detect(tiny, 0));
  std::printf("photo at 1/8 size (%dx%d): %zu faces found\n", tiny.cols, tiny.rows, boxes.size());
  for (const auto& b : boxes) EXPECT_TRUE(finite_and_near(detector().landmarks(tiny, b), b));
  // Landmarks in tiny, degenerate and partly outside boxes: no crash, finite points.
  for (const cv::Rect box : {cv::Rect(5, 5, 8, 8), cv::Rect(0, 0, 1, 1), cv::Rect(-20, -20, 40, 40),
                             cv::Rect(tiny.cols - 10, tiny.rows - 10, 40, 40)}) {
    cf::Landmarks lm;
    ASSERT_NO_THROW(lm = detector().landmarks(tiny, box)) << box;
    for (const auto& p : lm) EXPECT_TRUE(std::isfinite(p.x) && std::isfinite(p.y));
  }
  // Frames too small to hold anything.
  EXPECT_TRUE(detector().detect(cv::Mat(1, 1, CV_8UC3, cv::Scalar::all(0)), 0).empty());
  EXPECT_TRUE(detector().detect(cv::Mat(3, 500, CV_8UC3, cv::Scalar::all(90)), 100).empty());
}

TEST(Robustness, BadInputThrowsCartoonizeError) {
  EXPECT_THROW(detector().detect(cv::Mat(), 0), cartoonize::Error);
  EXPECT_THROW(detector().detect(cv::Mat(64, 64, CV_8UC1, cv::Scalar(0)), 0), cartoonize::Error);
  EXPECT_THROW(detector().detect(cv::Mat(64, 64, CV_32FC3, cv::Scalar::all(0)), 0), cartoonize::Error);
  EXPECT_THROW(detector().landmarks(cv::Mat(), cv::Rect(0, 0, 10, 10)), cartoonize::Error);
}

TEST(Robustness, GreyLookingFacesAreFound) {
  int colour_total = 0, grey_total = 0;
  for (const auto& file : cf::test::sample_photos()) {
    const cv::Mat rgb = cf::test::load_rgb(file);
    cv::Mat grey, grey3;
    cv::cvtColor(rgb, grey, cv::COLOR_RGB2GRAY);
    cv::cvtColor(grey, grey3, cv::COLOR_GRAY2RGB);
    const auto colour = detector().detect(rgb, 0);
    const auto mono = detector().detect(grey3, 0);
    colour_total += int(colour.size());
    grey_total += int(mono.size());
    // Every face found in grey is a real one (matches a colour detection).
    for (const auto& g : mono) {
      float best = 0;
      for (const auto& c : colour) best = std::max(best, cf::iou(g, c));
      EXPECT_GT(best, 0.5f) << file.filename() << " " << g;
    }
  }
  std::printf("grey-looking photos: %d faces (colour: %d)\n", grey_total, colour_total);
  EXPECT_GE(grey_total * 10, colour_total * 9);
}

TEST(Robustness, PortraitPhoneVideo) {
  const auto frames = cf::test::read_clip(cf::test::shared_data() / "video" / "lp_d13.mp4", 30, 30);
  ASSERT_EQ(frames[0].cols, 720);
  ASSERT_EQ(frames[0].rows, 1280);
  const auto full = detector().detect(frames[0], 0);
  const auto half = detector().detect(frames[0], 360);
  ASSERT_EQ(full.size(), 1u);
  ASSERT_EQ(half.size(), 1u);
  EXPECT_GT(cf::iou(full[0], half[0]), 0.5f);
  EXPECT_TRUE(finite_and_near(detector().landmarks(frames[0], full[0]), full[0]));

  cf::FaceTracker::Config cfg;
  cfg.detect_width = 360;
  cf::FaceTracker tracker(detector(), cfg);
  for (size_t k = 0; k < frames.size(); ++k) {
    const auto faces = tracker.update(frames[k], k / 30.0, k % 5 == 0);
    ASSERT_EQ(faces.size(), 1u) << "frame " << k;
    EXPECT_EQ(faces[0].id, 0);
    EXPECT_GT((faces[0].box & cv::Rect(0, 0, 720, 1280)).area(), 0);
  }
}
