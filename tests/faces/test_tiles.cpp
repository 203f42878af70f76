// Faces too small for the downscaled HOG pass of a 1080p frame, found by the
// tracker's full-resolution tiles (detect_tiles.h), on the benchmark's 1080p
// frames: found on the first frame, kept while the downscaled passes cannot
// see them, faded once gone; no face on face-free frames; 640x480 unchanged.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <map>

#include "bench_frames.h"
#include "detect_tiles.h"
#include "face_test_data.h"
#include "tracker.h"

namespace cf = cartoonize::faces;
namespace cb = cartoonize::bench;
using cf::test::detector;

namespace {

std::vector<cv::Mat> photos() {
  std::vector<cv::Mat> out;
  for (const auto& p : cf::test::sample_photos()) out.push_back(cf::test::load_rgb(p));
  return out;
}

// The benchmark's 1080p face frames: the group photo (sample1) and the 4-photo mosaic.
std::map<std::string, cv::Mat> frames_1080p() {
  const std::vector<cv::Mat> p = photos();
  return {{"group photo", cb::fitted_frame(p[0], 1920, 1080)},
          {"4-photo mosaic", cb::mosaic_frame(p, 1920, 1080)}};
}

// Reference faces found (IoU >= 0.5, as the benchmark counts them) among
// faces with presence >= min_presence.
int found(const std::vector<cv::Rect>& ref, const std::vector<cf::TrackedFace>& faces, float min_presence) {
  int n = 0;
  for (const cv::Rect& r : ref)
    for (const auto& f : faces)
      if (f.presence >= min_presence && cf::iou(r, f.box) >= 0.5f) {
        ++n;
        break;
      }
  return n;
}

}  // namespace

// Every face box up to the downscaled pass's reach, anywhere, lies with its
// context inside some tile; frames the downscaled pass sees whole get none.
TEST(Tiles, EveryFaceTooSmallForTheDownscaledPassFitsATile) {
  EXPECT_TRUE(cf::detection_tiles({640, 480}, 640).empty());
  EXPECT_TRUE(cf::detection_tiles({1920, 1080}, 0).empty());
  EXPECT_TRUE(cf::detection_tiles({1920, 1080}, 1920).empty());
  for (const auto& [size, width] : std::vector<std::pair<cv::Size, int>>{
           {{1920, 1080}, 640}, {{1280, 720}, 640}, {{3840, 2160}, 640}, {{7680, 4320}, 1280}, {{700, 2000}, 640}}) {
    const auto tiles = cf::detection_tiles(size, width);
    const int reach = cf::downscaled_reach(size.width, width);
    ASSERT_FALSE(tiles.empty()) << size;
    for (const cv::Rect& t : tiles) EXPECT_EQ(t & cv::Rect({0, 0}, size), t) << size;
    const int step = std::max(4, reach / 8);
    for (int side : {cf::kHogWindow, reach / 2, reach})
      for (int y = 0; y + side <= size.height; y += step)
        for (int x = 0; x + side <= size.width; x += step) {
          const cv::Rect box(x, y, side, side);
          const auto sees = [&](const cv::Rect& t) { return cf::tile_sees(t, box, size); };
          ASSERT_TRUE(std::any_of(tiles.begin(), tiles.end(), sees))
              << size << " detect width " << width << ": no tile holds " << box;
        }
    std::printf("%dx%d at %d: %zu tiles of %dx%d, reach %d px\n", size.width, size.height, width, tiles.size(),
                tiles[0].width, tiles[0].height, reach);
  }
}

// The element's defaults (detect-width 640, HOG every 5th frame, a tile every
// 5th): >= 90 % of dlib's full-resolution faces on the first frame, all still
// there at full presence 25 frames later, when three downscaled passes that
// cannot see most of them have run (they would have faded them out).
TEST(Tiles, TrackerFindsAndKeepsTheSmallFacesOf1080pFrames) {
  for (const auto& [name, frame] : frames_1080p()) {
    const std::vector<cv::Rect> ref = detector().detect(frame, 0);  // the reference, ~0.3 s
    ASSERT_GE(ref.size(), 4u) << name;
    cf::FaceTracker tracker(detector(), {});
    const auto first = tracker.track(frame, -1.0);
    const int on_first = found(ref, first, 1.f);
    std::vector<cf::TrackedFace> faces;
    for (int k = 1; k < 25; ++k) faces = tracker.track(frame, -1.0);
    const int on_last = found(ref, faces, 1.f);
    std::printf("%s: %d faces at full resolution; first frame %d, frame 25 %d (%zu tracks)\n", name.c_str(),
                int(ref.size()), on_first, on_last, faces.size());
    EXPECT_GE(on_first * 10, int(ref.size()) * 9) << name;
    EXPECT_GE(on_last * 10, int(ref.size()) * 9) << name;
    EXPECT_LE(faces.size(), ref.size() + 1) << name << ": no duplicate tracks";
  }
}

// The benchmark's face-free 1080p frame (the photos' bottom parts: legs,
// hands, clothes, furniture): no pass (the first frame's full-resolution
// scan, the downscaled passes, a whole rotation of tiles) reports a face.
TEST(Tiles, NoFaceOnAFaceFree1080pFrame) {
  const cv::Mat frame = cb::photo_bottoms(photos(), 1920, 1080);
  cf::FaceTracker::Config cfg;
  cfg.detect_interval = 1;  // every tile within a few frames
  cfg.tile_interval = 1;
  cf::FaceTracker tracker(detector(), cfg);
  const size_t tiles = cf::detection_tiles(frame.size(), cfg.detect_width).size();
  for (size_t k = 0; k <= tiles; ++k) EXPECT_TRUE(tracker.track(frame, -1.0).empty()) << "frame " << k;
}

// A small face that leaves is faded out by the tiles that could see it: the
// tile that missed it runs again next, so it does not wait a whole rotation.
TEST(Tiles, SmallFacesThatLeaveFadeOut) {
  const std::vector<cv::Mat> p = photos();
  const cv::Mat frame = cb::mosaic_frame(p, 1920, 1080), empty = cb::photo_bottoms(p, 1920, 1080);
  cf::FaceTracker::Config cfg;
  cfg.detect_interval = 1;
  cfg.tile_interval = 1;
  cf::FaceTracker tracker(detector(), cfg);
  ASSERT_GE(tracker.track(frame, -1.0).size(), 4u);
  const int tiles = int(cf::detection_tiles(frame.size(), cfg.detect_width).size());
  // At most a rotation plus max_missed - 1 revisits of each tile, then the fade.
  const int bound = tiles * cfg.max_missed + cfg.fade_frames + 1;
  int k = 0;
  while (!tracker.track(empty, -1.0).empty() && k < bound) ++k;
  EXPECT_LT(k, bound) << "faces still there after " << k << " face-free frames";
  std::printf("mosaic: all faces gone %d frames after they left (%d tiles)\n", k + 1, tiles);
}

// Frames the downscaled pass sees at full resolution: no tiles, the same
// faces, boxes and landmarks as with tiles off.
TEST(Tiles, At640x480NothingChanges) {
  const std::vector<cv::Mat> p = photos();
  std::vector<cv::Mat> clip = cf::test::read_clip(cf::test::shared_data() / "video" / "lp_s18.mp4", 8);
  for (cv::Mat& f : clip) f = cb::fitted_frame(f, 640, 480);
  for (const auto& [name, frames] : std::map<std::string, std::vector<cv::Mat>>{
           {"group photo", {cb::fitted_frame(p[0], 640, 480)}},
           {"4-photo mosaic", {cb::mosaic_frame(p, 640, 480)}},
           {"lp_s18", clip}}) {
    cf::FaceTracker::Config off;
    off.tile_interval = 0;
    cf::FaceTracker with(detector(), {}), without(detector(), off);
    for (int k = 0; k < 8; ++k) {
      const cv::Mat& f = frames[size_t(k) % frames.size()];
      const auto a = with.track(f, -1.0), b = without.track(f, -1.0);
      ASSERT_EQ(a.size(), b.size()) << name << ", frame " << k;
      for (size_t i = 0; i < a.size(); ++i) {
        EXPECT_EQ(a[i].id, b[i].id);
        EXPECT_EQ(a[i].box, b[i].box);
        EXPECT_EQ(a[i].smoothed, b[i].smoothed);
        EXPECT_EQ(a[i].presence, b[i].presence);
      }
    }
  }
}

