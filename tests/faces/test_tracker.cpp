// FaceTracker on real frames: stable identities, re-fits that follow a moving
// face between detections, linear fade-in and fade-out, no id reuse.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <thread>

#include <opencv2/imgproc.hpp>

#include "face_test_data.h"
#include "tracker.h"

namespace cf = cartoonize::faces;
using cf::test::detector;

// Faces there from the first frame start fully present (a still photo must be
// fully processed); faces appearing later fade in (see the tests below).
TEST(Tracker, GroupPhotoKeepsIdsFromTheFirstFrame) {
  const cv::Mat photo = cf::test::load_rgb(cf::test::sample_photos()[0]);
  const size_t expected = detector().detect(photo, 960).size();
  ASSERT_GE(expected, 2u);
  cf::FaceTracker::Config cfg;
  cfg.detect_width = 960;
  cfg.fade_frames = 4;
  cf::FaceTracker tracker(detector(), cfg);
  std::vector<int> ids;
  for (int k = 0; k < 8; ++k) {
    const auto faces = tracker.update(photo, k / 30.0, k % 3 == 0);
    ASSERT_EQ(faces.size(), expected) << "frame " << k;
    std::vector<int> now;
    for (const auto& f : faces) {
      now.push_back(f.id);
      EXPECT_FLOAT_EQ(f.presence, 1.f);
    }
    if (k == 0) ids = now;
    EXPECT_EQ(now, ids) << "frame " << k;
  }
}

// sample2's face moving 4 px/frame right and 2 px/frame down, HOG every 6th
// frame. Truth is known: frame 0's landmarks plus the shift.
TEST(Tracker, RefitsFollowAMovingFaceBetweenDetections) {
  const cv::Mat photo = cf::test::load_rgb(cf::test::sample_photos()[1]);
  const cv::Rect roi(1100, 0, 800, 700);
  cf::FaceTracker::Config cfg;
  cfg.detect_width = 0;
  cf::FaceTracker tracker(detector(), cfg);
  cf::Landmarks first{};
  double refit_err = 0, fresh_err = 0, worst_refit = 0;
  int n = 0;
  for (int k = 0; k < 24; ++k) {
    const cv::Point2f shift(4.f * k, 2.f * k);
    cv::Mat frame;
    cv::warpAffine(photo(roi), frame, cv::Matx23f(1, 0, shift.x, 0, 1, shift.y), roi.size(), cv::INTER_LINEAR,
                   cv::BORDER_REPLICATE);
    const auto faces = tracker.update(frame, k / 30.0, k % 6 == 0);
    ASSERT_EQ(faces.size(), 1u) << "frame " << k;
    EXPECT_EQ(faces[0].id, 0);
    if (k == 0) first = faces[0].raw;
    if (k % 6 == 0) continue;
    // Re-fitted frame: error against the truth, next to that of a fresh HOG box + fit.
    const auto det = detector().detect(frame, 0);
    ASSERT_EQ(det.size(), 1u);
    const cf::Landmarks fresh = detector().landmarks(frame, det[0]);
    double e_refit = 0, e_fresh = 0;
    for (int i = 0; i < cf::kLandmarkCount; ++i) {
      e_refit += cv::norm(faces[0].raw[i] - (first[i] + shift));
      e_fresh += cv::norm(fresh[i] - (first[i] + shift));
    }
    refit_err += e_refit / cf::kLandmarkCount;
    fresh_err += e_fresh / cf::kLandmarkCount;
    worst_refit = std::max(worst_refit, e_refit / cf::kLandmarkCount);
    ++n;
  }
  std::printf("moving face, landmark error vs truth: re-fitted mean %.2f px (worst frame %.2f), "
              "fresh HOG box + fit mean %.2f px\n", refit_err / n, worst_refit, fresh_err / n);
  EXPECT_LT(refit_err / n, 3.0);
  EXPECT_LT(worst_refit, 5.0);
  EXPECT_LT(refit_err / n, fresh_err / n + 1.0);
}

TEST(Tracker, LostFaceFadesOutAndReturnsWithANewId) {
  const auto frames = cf::test::read_clip(cf::test::shared_data() / "video" / "lp_d12.mp4", 10);
  const cv::Mat blank(frames[0].size(), CV_8UC3, cv::Scalar(120, 110, 100));
  cf::FaceTracker::Config cfg;
  cfg.detect_width = 0;
  cfg.fade_frames = 5;
  cfg.max_missed = 2;
  cf::FaceTracker tracker(detector(), cfg);
  double t = 0;
  for (const auto& f : frames) {
    const auto faces = tracker.update(f, t += 1 / 25.0, true);
    ASSERT_EQ(faces.size(), 1u);
  }
  EXPECT_FLOAT_EQ(tracker.update(frames.back(), t += 1 / 25.0, true).at(0).presence, 1.f);
  // The face is gone: one miss keeps the track at full presence, the second
  // starts a linear fade over 5 frames with the last landmarks frozen.
  auto faces = tracker.update(blank, t += 1 / 25.0, true);
  ASSERT_EQ(faces.size(), 1u);
  EXPECT_FLOAT_EQ(faces[0].presence, 1.f);
  const cf::Landmarks frozen = tracker.update(blank, t += 1 / 25.0, true).at(0).smoothed;
  float last = 0.8f;
  for (int k = 0; k < 3; ++k) {
    faces = tracker.update(blank, t += 1 / 25.0, k == 0);
    ASSERT_EQ(faces.size(), 1u);
    EXPECT_NEAR(faces[0].presence, last - 0.2f, 1e-5f);
    EXPECT_EQ(faces[0].smoothed, frozen);
    last = faces[0].presence;
  }
  EXPECT_TRUE(tracker.update(blank, t += 1 / 25.0, false).empty());
  // Back again: a new track (new id), fading in.
  faces = tracker.update(frames[0], t += 1 / 25.0, true);
  ASSERT_EQ(faces.size(), 1u);
  EXPECT_EQ(faces[0].id, 1);
  EXPECT_FLOAT_EQ(faces[0].presence, 0.2f);
}

TEST(Tracker, FadingFaceFoundAgainIsRevived) {
  const auto frames = cf::test::read_clip(cf::test::shared_data() / "video" / "lp_d12.mp4", 4);
  const cv::Mat blank(frames[0].size(), CV_8UC3, cv::Scalar(120, 110, 100));
  cf::FaceTracker::Config cfg;
  cfg.detect_width = 0;
  cfg.fade_frames = 4;
  cfg.max_missed = 1;
  cf::FaceTracker tracker(detector(), cfg);
  double t = 0;
  for (int k = 0; k < 4; ++k) tracker.update(frames[k], t += 0.04, true);
  auto faces = tracker.update(blank, t += 0.04, true);  // missed once: fading
  ASSERT_EQ(faces.size(), 1u);
  EXPECT_FLOAT_EQ(faces[0].presence, 0.75f);
  faces = tracker.update(frames[3], t += 0.04, true);  // same place again: same id, fading back in
  ASSERT_EQ(faces.size(), 1u);
  EXPECT_EQ(faces[0].id, 0);
  EXPECT_FLOAT_EQ(faces[0].presence, 1.f);
}

// track(): the detector on the first frame after construction or reset() and
// on every detect_interval-th one after it; times kept increasing.
TEST(Tracker, TrackSchedulesTheDetectorAndKeepsTimesIncreasing) {
  const cv::Mat face = cf::test::read_clip(cf::test::shared_data() / "video" / "lp_d12.mp4", 1).at(0);
  const cv::Mat blank(face.size(), CV_8UC3, cv::Scalar(120, 110, 100));
  cf::FaceTracker::Config cfg;
  cfg.detect_width = 0;
  cfg.detect_interval = 3;
  cf::FaceTracker tracker(detector(), cfg);
  EXPECT_TRUE(tracker.track(blank, 0.0).empty());    // frame 0, detector: nothing there
  EXPECT_TRUE(tracker.track(face, 0.04).empty());    // frames 1 and 2: no detector, the face not seen yet
  EXPECT_TRUE(tracker.track(face, 0.08).empty());
  EXPECT_EQ(tracker.track(face, 0.12).size(), 1u);   // frame 3: detector
  EXPECT_DOUBLE_EQ(tracker.last_time(), 0.12);
  // A time that does not move forward, or none: one frame at kFallbackFps after the last.
  EXPECT_EQ(tracker.track(face, 0.05).size(), 1u);
  EXPECT_DOUBLE_EQ(tracker.last_time(), 0.12 + 1 / cf::kFallbackFps);
  tracker.track(face, -1.0);
  EXPECT_DOUBLE_EQ(tracker.last_time(), 0.12 + 2 / cf::kFallbackFps);
  // After reset() the count starts again (detector on the next frame), and
  // an unknown time is 0.
  tracker.reset();
  EXPECT_EQ(tracker.track(face, -1.0).size(), 1u);
  EXPECT_DOUBLE_EQ(tracker.last_time(), 0.0);
  // A new interval counts on from the frames already tracked.
  tracker.reset();
  tracker.set_detect_interval(2);
  EXPECT_TRUE(tracker.track(blank, -1.0).empty());  // frame 0
  EXPECT_TRUE(tracker.track(face, -1.0).empty());   // frame 1
  EXPECT_EQ(tracker.track(face, -1.0).size(), 1u);  // frame 2
}

// background_detection: the first frame is searched at once (a still photo
// gets its faces); later passes run on the worker and their boxes join a
// frame or more later. Frames come at 30 fps here (a live source), so the
// worker has time to finish a pass between two of them.
TEST(BackgroundDetection, FirstFrameAtOnceThenFacesArriveWithoutStoppingTheStream) {
  const auto clip = cf::test::read_clip(cf::test::shared_data() / "video" / "lp_d12.mp4", 1);
  const cv::Mat blank(clip[0].size(), CV_8UC3, cv::Scalar(120, 110, 100));
  cf::FaceTracker::Config cfg;
  cfg.background_detection = true;
  cf::FaceTracker tracker(detector(), cfg);
  EXPECT_TRUE(tracker.track(blank, 0.0).empty());
  // The face appears at frame 3 (no detection is due then): the pass of
  // frame 5 finds it, and it joins on a frame after that.
  int found_at = -1;
  for (int k = 1; k < 300 && found_at < 0; ++k) {  // a slow machine (or ASan) may take many frames
    std::this_thread::sleep_for(std::chrono::milliseconds(33));
    const auto faces = tracker.track(k < 3 ? blank : clip[0], k / 30.0);
    if (!faces.empty()) found_at = k;
  }
  std::printf("face shown from frame 3, joined at frame %d (detect interval %d)\n", found_at, cfg.detect_interval);
  EXPECT_GT(found_at, 5) << "joined before its pass could have finished: the pass ran in step";

  // reset(): the next frame is a first frame again, searched at once.
  tracker.reset();
  const auto faces = tracker.track(clip[0], 2.0);
  ASSERT_EQ(faces.size(), 1u);
  EXPECT_FLOAT_EQ(faces[0].presence, 1.f);
}

TEST(BackgroundDetection, TracksTheSameFacesAsDetectingInStep) {
  // The group photo as a still stream: the same faces and ids either way,
  // the boxes of one face within a few pixels (re-fits from landmarks instead
  // of the detector's box on confirmed faces).
  const cv::Mat photo = cf::test::load_rgb(cf::test::sample_photos()[0]);
  cf::FaceTracker::Config cfg;
  cf::FaceTracker in_step(detector(), cfg);
  cfg.background_detection = true;
  cf::FaceDetector own;  // the worker runs detect(): no other tracker may share its detector
  cf::FaceTracker background(own, cfg);
  for (int k = 0; k < 20; ++k) {
    const auto a = in_step.track(photo, k / 30.0), b = background.track(photo, k / 30.0);
    ASSERT_EQ(a.size(), b.size()) << "frame " << k;
    ASSERT_GE(a.size(), 2u);
    for (size_t i = 0; i < a.size(); ++i) {
      EXPECT_EQ(a[i].id, b[i].id);
      EXPECT_GT(cf::iou(a[i].box, b[i].box), 0.8f) << "frame " << k << " face " << i;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

TEST(BackgroundDetection, DestroyedOrResetWhileAPassRuns) {
  // A 1080p frame: the pass takes a while; the tracker goes away under it.
  const cv::Mat photo = cf::test::load_rgb(cf::test::sample_photos()[0]);
  cv::Mat big;
  cv::resize(photo, big, cv::Size(1920, 1080));
  for (int round = 0; round < 3; ++round) {
    cf::FaceTracker::Config cfg;
    cfg.background_detection = true;
    cfg.detect_interval = 1;
    auto tracker = std::make_unique<cf::FaceTracker>(detector(), cfg);
    tracker->track(big, 0.0);
    tracker->track(big, 0.04);  // hands a pass to the worker
    if (round == 1) {
      tracker->reset();  // its result is dropped; the next frame is searched at once
      EXPECT_FALSE(tracker->track(big, 0.08).empty());
    }
    tracker.reset();  // joins the worker; nothing dangles (ASan)
  }
}
