// TinyFaceDetector (face-api's tiny YOLOv2 in LibTorch) against dlib's HOG
// detector on the shared photos and faces/ crops:
//   * recall of dlib's faces, median IoU and box scale of face-api's (larger)
//     boxes, printed and asserted with margins a broken port would miss
//     (random weights, swapped channels);
//   * FaceDetector's tiny kind: boxes mapped to dlib's convention, so the
//     shape predictor's landmarks in them match those in the HOG box;
//   * bad input and damaged weight files give cartoonize::Error.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <functional>
#include <numeric>
#include <random>
#include <set>
#include <sstream>

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include "detector.h"
#include "error.h"
#include "face_test_data.h"
#include "real_faces.h"
#include "test_support.h"
#include "tiny_face_detector.h"
#include "tracker.h"

namespace cartoonize::faceapi::test {
namespace {

std::filesystem::path tiny_manifest() { return model_dir() / TinyFaceDetector::kManifestName; }

TinyFaceDetector& tiny() {
  static TinyFaceDetector d(tiny_manifest());
  return d;
}

std::vector<FaceBox> run(const TinyFaceDetector& d, const cv::Mat& rgb, const TinyFaceOptions& o = {}) {
  return d.detect(rgb.data, rgb.cols, rgb.rows, rgb.step, rgb.channels(), o);
}

cv::Rect2f rect(const FaceBox& b) { return {b.x, b.y, b.width, b.height}; }

double iou(const cv::Rect2f& a, const cv::Rect2f& b) {
  const double inter = (a & b).area();
  return inter <= 0 ? 0.0 : inter / (a.area() + b.area() - inter);
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double mean(const std::vector<double>& v) {
  return v.empty() ? 0 : std::accumulate(v.begin(), v.end(), 0.0) / double(v.size());
}

// faces/ crops are tight 200×200 face shots; a black border of half their
// size gives the detector the context a face has in a frame.
cv::Mat padded(const cv::Mat& rgb) {
  cv::Mat out;
  cv::copyMakeBorder(rgb, out, rgb.rows / 2, rgb.rows / 2, rgb.cols / 2, rgb.cols / 2, cv::BORDER_CONSTANT,
                     cv::Scalar::all(0));
  return out;
}

// How face-api's boxes compare with dlib's on a set of dlib faces.
struct Agreement {
  int faces = 0, found = 0;        // dlib faces; those with a tiny box of IoU >= 0.5 (or looser, see below)
  std::vector<double> ious;        // best IoU per matched dlib face
  std::vector<double> scale;       // sqrt(area tiny / area dlib)
  std::vector<double> dx, dy, sw, sh;  // dlib box in units of the tiny box: centre offset, size ratio
};

// A dlib face counts as found when a tiny box contains its centre and has
// IoU >= min_iou with it (face-api's boxes are ~1.3× dlib's, so 0.5 would
// reject correct detections of the same face).
Agreement agree(const std::vector<Face>& faces, const std::function<std::vector<FaceBox>(const Face&)>& det,
                double min_iou) {
  Agreement a;
  for (const Face& f : faces) {
    ++a.faces;
    const cv::Rect2f d(f.box);
    double best = 0;
    const FaceBox* bb = nullptr;
    std::vector<FaceBox> boxes = det(f);
    for (const FaceBox& b : boxes) {
      const double v = iou(rect(b), d);
      if (v > best && rect(b).contains({d.x + d.width / 2, d.y + d.height / 2})) best = v, bb = &b;
    }
    if (!bb || best < min_iou) continue;
    ++a.found;
    a.ious.push_back(best);
    a.scale.push_back(std::sqrt(double(bb->width) * bb->height / d.area()));
    a.dx.push_back((d.x + d.width / 2 - (bb->x + bb->width / 2)) / bb->width);
    a.dy.push_back((d.y + d.height / 2 - (bb->y + bb->height / 2)) / bb->height);
    a.sw.push_back(d.width / bb->width);
    a.sh.push_back(d.height / bb->height);
  }
  return a;
}

void print(const char* what, const Agreement& a) {
  std::printf("[tiny] %s: %d/%d dlib faces found (%.3f), median IoU %.3f, mean box scale tiny/dlib %.3f; "
              "dlib box in tiny units: centre dx %.3f dy %.3f, width %.3f height %.3f\n",
              what, a.found, a.faces, double(a.found) / std::max(1, a.faces), median(a.ious), mean(a.scale),
              mean(a.dx), mean(a.dy), mean(a.sw), mean(a.sh));
}

constexpr int kCropFiles = 80;

std::vector<Face>& photos() {
  static std::vector<Face> f = photo_faces();
  return f;
}

std::vector<Face>& crops() {
  // dlib's faces on the padded crops (the reference sees what tiny sees).
  static std::vector<Face> out = [] {
    std::vector<Face> v;
    for (const Face& f : utk_faces(kCropFiles)) {
      const cv::Mat p = padded(f.rgb);
      const cv::Point shift(f.rgb.cols / 2, f.rgb.rows / 2);
      v.push_back({p, f.box + shift, f.lm, f.source});
      for (auto& pt : v.back().lm) pt += cv::Point2f(shift);
    }
    return v;
  }();
  return out;
}


// dlib's faces (full size) in frames 0, 60 and 120 of each shared clip.
std::vector<Face> video_faces() {
  std::vector<Face> out;
  for (const char* clip : {"lp_d3.mp4", "lp_d9.mp4", "lp_d12.mp4", "lp_d13.mp4", "lp_d14.mp4", "lp_s18.mp4"})
    for (int first : {0, 60, 120}) {
      const cv::Mat rgb = cartoonize::faces::test::read_clip(shared_data() / "video" / clip, 1, first)[0];
      for (const cv::Rect& b : cartoonize::faces::test::detector().detect(rgb, 0))
        out.push_back({rgb, b, cartoonize::faces::test::detector().landmarks(rgb, b), clip});
    }
  return out;
}

// Mean landmark distance over the outer-eye-corner distance.
double nme(const faces::Landmarks& ref, const faces::Landmarks& got) {
  double sum = 0;
  for (int i = 0; i < faces::kLandmarkCount; ++i) sum += cv::norm(got[i] - ref[i]);
  return sum / faces::kLandmarkCount / cv::norm(ref[36] - ref[45]);
}

// The port itself (face-api's boxes, single size 416 as face-api's default).
// Measured: photos 9/11 dlib faces, median IoU 0.60, box scale 1.27; padded
// crops 45/75, IoU 0.63, scale 1.23 (at 416 the crops' faces are larger than
// the net likes; 224 finds 98 %, see DISABLED_Sweep). Random weights find nothing.
TEST(TinyFaceDetector, AgreesWithDlibOnPhotosAndCrops) {
  const auto on_image = [](const Face& f) { return run(tiny(), f.rgb); };
  const Agreement p = agree(photos(), on_image, 0.3);
  const Agreement c = agree(crops(), on_image, 0.3);
  print("photos", p);
  print("faces/ crops (padded)", c);
  ASSERT_EQ(p.faces, 11);
  EXPECT_GE(p.found, 8);
  EXPECT_GE(c.found, c.faces / 2);
  // Same faces, larger boxes: scale and overlap as measured, with margin.
  for (const Agreement* a : {&p, &c}) {
    EXPECT_GT(median(a->ious), 0.5);
    EXPECT_GT(mean(a->scale), 1.1);
    EXPECT_LT(mean(a->scale), 1.4);
    EXPECT_LT(std::abs(mean(a->dx)), 0.05);
  }
}

// Padding to a square (face-api) or only to a multiple of 32: same faces.
TEST(TinyFaceDetector, PaddingOnlyToMultipleOf32FindsTheSameBoxes) {
  TinyFaceOptions wide;
  wide.pad_to_square = false;
  for (const Face& f : photos()) {
    const auto a = run(tiny(), f.rgb), b = run(tiny(), f.rgb, wide);
    ASSERT_EQ(a.size(), b.size()) << f.source;
    for (size_t i = 0; i < a.size(); ++i) EXPECT_GT(iou(rect(a[i]), rect(b[i])), 0.9) << f.source;
  }
}

// Red and blue swapped: face-api's net was trained on RGB; with BGR it loses
// faces (measured 6/11 against 9/11), as a channel-order bug in the port would.
TEST(TinyFaceDetector, ChannelOrderMatters) {
  const auto rgb = [](const Face& f) { return run(tiny(), f.rgb); };
  const auto bgr = [](const Face& f) {
    cv::Mat swapped;
    cv::cvtColor(f.rgb, swapped, cv::COLOR_RGB2BGR);
    return run(tiny(), swapped);
  };
  const Agreement right = agree(photos(), rgb, 0.3), wrong = agree(photos(), bgr, 0.3);
  print("photos as RGB", right);
  print("photos as BGR", wrong);
  EXPECT_LT(wrong.found, right.found);
}

class TinyWeightFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* f : {TinyFaceDetector::kManifestName, "tiny_face_detector_model.bin"}) {
      std::filesystem::copy_file(model_dir() / f, dir_.file(f));
      std::filesystem::permissions(dir_.file(f), std::filesystem::perms::owner_write,
                                   std::filesystem::perm_options::add);
    }
  }
  std::string manifest() const { return dir_.file(TinyFaceDetector::kManifestName); }
  std::string bin() const { return dir_.file("tiny_face_detector_model.bin"); }
  std::string load_error() const {
    try {
      TinyFaceDetector d(manifest());
    } catch (const Error& e) {
      std::printf("[loader] %s\n", e.what());
      return e.what();
    }
    return "";
  }
  cartoonize::testing::TempDir dir_;
};

// Weights of the right shapes but random values (the .bin overwritten with
// random bytes; every uint8 is a valid quantised value) find no faces.
TEST_F(TinyWeightFiles, RandomWeightsFindNoFaces) {
  const auto size = std::filesystem::file_size(bin());
  std::mt19937 rng(7);
  std::string noise(size, '\0');
  for (char& c : noise) c = char(rng() & 0xff);
  std::ofstream(bin(), std::ios::binary | std::ios::trunc) << noise;
  const TinyFaceDetector random(manifest());
  const Agreement a = agree(photos(), [&](const Face& f) { return run(random, f.rgb); }, 0.3);
  print("random weights, photos", a);
  EXPECT_LE(a.found, 1);
}

TEST_F(TinyWeightFiles, DamagedFilesNameTheFile) {
  EXPECT_EQ(load_error(), "");
  std::filesystem::resize_file(bin(), std::filesystem::file_size(bin()) - 100);
  std::string e = load_error();
  EXPECT_NE(e.find("tiny_face_detector_model.bin"), std::string::npos) << e;
  std::filesystem::remove(bin());
  e = load_error();
  EXPECT_NE(e.find("tiny_face_detector_model.bin"), std::string::npos) << e;
  // Another network's weights: the missing tensor is named with the manifest.
  try {
    TinyFaceDetector d(model_dir() / "face_landmark_68_model-weights_manifest.json");
    FAIL() << "loaded the landmark weights as a face detector";
  } catch (const Error& err) {
    EXPECT_NE(std::string(err.what()).find("face_landmark_68_model-weights_manifest.json"), std::string::npos);
  }
  EXPECT_THROW(TinyFaceDetector(dir_.file("none.json")), Error);
  EXPECT_THROW(TinyFaceDetector(model_dir() / TinyFaceDetector::kManifestName, "no-such-device"), Error);
}

TEST(TinyFaceDetector, BadInputThrows) {
  const cv::Mat rgb(64, 64, CV_8UC3, cv::Scalar::all(90));
  EXPECT_THROW(tiny().detect(nullptr, 64, 64, 192, 3), Error);
  EXPECT_THROW(tiny().detect(rgb.data, 0, 64, 192, 3), Error);
  EXPECT_THROW(tiny().detect(rgb.data, 64, 64, 100, 3), Error);  // rows overlap
  EXPECT_THROW(tiny().detect(rgb.data, 64, 64, 192, 2), Error);
  TinyFaceOptions o;
  o.input_size = 100;
  EXPECT_THROW(tiny().detect(rgb.data, 64, 64, 192, 3, o), Error);
  o.input_size = 416;
  o.score_threshold = 1.5f;
  EXPECT_THROW(tiny().detect(rgb.data, 64, 64, 192, 3, o), Error);
  // A 1×1 image and a flat one are fine: no faces.
  EXPECT_TRUE(tiny().detect(rgb.data, 1, 1, 3, 3).empty());
  EXPECT_TRUE(run(tiny(), rgb).empty());
}

// ---- FaceDetector's tiny kind (the element's `detector=tiny`) ---------------

cartoonize::faces::FaceDetector& tiny_kind() {
  static cartoonize::faces::FaceDetector d(cartoonize::faces::kDefaultPredictorPath,
                                           cartoonize::faces::DetectorKind::Tiny, tiny_manifest().string());
  return d;
}

struct KindResult {
  int faces = 0, found = 0;
  std::vector<double> ious, nmes;
};

// dlib's full-size faces found by `boxes` (IoU >= 0.5, boxes in HOG's
// convention now) and the shape predictor's landmarks in the found box
// against those in dlib's full-size box.
KindResult evaluate(const std::vector<Face>& faces,
                    const std::function<std::vector<cv::Rect>(const cv::Mat&)>& boxes) {
  KindResult r;
  const cv::Mat* last = nullptr;
  std::vector<cv::Rect> found;
  for (const Face& f : faces) {
    if (last != &f.rgb || found.empty()) found = boxes(f.rgb);  // faces of one photo share it
    last = &f.rgb;
    ++r.faces;
    double best = 0;
    cv::Rect bb;
    for (const cv::Rect& b : found)
      if (iou(cv::Rect2f(b), cv::Rect2f(f.box)) > best) best = iou(cv::Rect2f(b), cv::Rect2f(f.box)), bb = b;
    if (best < 0.5) continue;
    ++r.found;
    r.ious.push_back(best);
    r.nmes.push_back(nme(f.lm, cartoonize::faces::test::detector().landmarks(f.rgb, bb)));
  }
  return r;
}

void print(const char* what, const KindResult& r) {
  std::printf("[kind] %s: %d/%d dlib faces at IoU >= 0.5 (%.3f), median IoU %.3f, landmark NME median %.4f "
              "mean %.4f\n", what, r.found, r.faces, double(r.found) / std::max(1, r.faces), median(r.ious),
              median(r.nmes), mean(r.nmes));
}

// The element's two choices against dlib at full size: HOG at the element's
// detect-width (640) and the tiny kind (both sizes, mapped boxes). Landmarks
// in tiny's mapped boxes must match HOG's as closely as HOG's own at 640.
TEST(TinyFaceDetector, MappedBoxesGiveHogsLandmarks) {
  const auto hog640 = [](const cv::Mat& m) { return cartoonize::faces::test::detector().detect(m, 640); };
  const auto tinyk = [](const cv::Mat& m) { return tiny_kind().detect(m, 640); };
  const std::vector<Face> video = video_faces();
  struct Set {
    const char* name;
    const std::vector<Face>& faces;
  };
  for (const Set& s : {Set{"photos", photos()}, Set{"crops", crops()}, Set{"clips", video}}) {
    const KindResult h = evaluate(s.faces, hog640), t = evaluate(s.faces, tinyk);
    print((std::string(s.name) + ", hog at 640").c_str(), h);
    print((std::string(s.name) + ", tiny").c_str(), t);
    // Measured: tiny finds all but one of HOG's faces in each set; landmark
    // NME median 0.008-0.015 (HOG at 640: 0-0.019).
    EXPECT_GE(t.found, h.found - 2) << s.name;
    EXPECT_GE(t.found, t.faces * 8 / 10) << s.name;
    EXPECT_GT(median(t.ious), 0.65) << s.name;
    EXPECT_LT(median(t.nmes), 0.025) << s.name;
    EXPECT_LT(mean(t.nmes), 0.035) << s.name;
  }
}

}  // namespace
}  // namespace cartoonize::faceapi::test

namespace cartoonize::faceapi::test {
namespace {
// RGBx frames (the element's 4-byte formats) give the same boxes as RGB.
TEST(TinyFaceDetector, RgbxFramesGiveTheSameBoxes) {
  const cv::Mat& rgb = photos().front().rgb;
  cv::Mat rgbx;
  cv::cvtColor(rgb, rgbx, cv::COLOR_RGB2RGBA);
  EXPECT_EQ(tiny_kind().detect(rgbx, 640), tiny_kind().detect(rgb, 640));
  EXPECT_FALSE(tiny_kind().detect(rgb, 640).empty());
}

// The tracker on a clip with the tiny kind detecting every 5th frame: one
// face, one identity throughout, landmarks re-fitted in between.
TEST(TinyFaceDetector, TrackerKeepsOneIdentityOnAClip) {
  const auto frames = cartoonize::faces::test::read_clip(shared_data() / "video" / "lp_d9.mp4", 30);
  cartoonize::faces::FaceTracker tracker(tiny_kind(), {});
  std::set<int> ids;
  int frames_with_one_face = 0;
  for (size_t i = 0; i < frames.size(); ++i) {
    const auto faces = tracker.update(frames[i], double(i) / 30.0, i % 5 == 0);
    for (const auto& f : faces) ids.insert(f.id);
    frames_with_one_face += faces.size() == 1;
  }
  EXPECT_EQ(frames_with_one_face, int(frames.size()));
  EXPECT_EQ(ids.size(), 1u);
}

TEST(TinyFaceDetector, DISABLED_MappingSweep) {
  std::vector<Face> all = photos();
  for (const Face& f : crops()) all.push_back(f);
  for (const Face& f : video_faces()) all.push_back(f);
  // Each dlib face with its best tiny box (416, as the agreement test).
  std::vector<std::pair<const Face*, FaceBox>> pairs;
  for (const Face& f : all) {
    const cv::Rect2f d(f.box);
    double best = 0.3;
    FaceBox bb{};
    for (const FaceBox& b : run(tiny(), f.rgb))
      if (iou(rect(b), d) > best && rect(b).contains({d.x + d.width / 2, d.y + d.height / 2})) best = iou(rect(b), d), bb = b;
    if (best > 0.3) pairs.push_back({&f, bb});
  }
  for (float dy : {-0.08f, -0.05f, -0.02f, 0.01f})
    for (float k : {0.9f, 0.95f, 1.0f, 1.05f, 1.1f}) {
      std::vector<double> e, ious;
      for (const auto& [f, b] : pairs) {
        const float cx = b.x + b.width * (0.5f - 0.015f), cy = b.y + b.height * (0.5f + dy);
        const float w = b.width * 0.78f * k, h = b.height * 0.86f * k;
        const cv::Rect r(int(std::lround(cx - w / 2)), int(std::lround(cy - h / 2)), int(std::lround(w)), int(std::lround(h)));
        e.push_back(nme(f->lm, cartoonize::faces::test::detector().landmarks(f->rgb, r)));
        ious.push_back(iou(cv::Rect2f(r), cv::Rect2f(f->box)));
      }
      std::printf("[map] dy %.2f k %.2f: %zu faces, NME median %.4f mean %.4f, IoU median %.3f\n", dy, k, e.size(),
                  median(e), mean(e), median(ious));
    }
}

TEST(TinyFaceDetector, DISABLED_Sweep) {
  const std::vector<Face> video = video_faces();
  for (int size : {160, 224, 320, 416, 512})
    for (float thr : {0.5f})
      for (bool sq : {false}) {
        TinyFaceOptions o;
        o.input_size = size;
        o.score_threshold = thr;
        o.pad_to_square = sq;
        const auto on_image = [&](const Face& f) { return run(tiny(), f.rgb, o); };
        char what[100];
        std::snprintf(what, sizeof what, "size %d thr %.1f square %d photos", size, thr, int(sq));
        print(what, agree(photos(), on_image, 0.3));
        std::snprintf(what, sizeof what, "size %d thr %.1f square %d crops", size, thr, int(sq));
        print(what, agree(crops(), on_image, 0.3));
        std::snprintf(what, sizeof what, "size %d thr %.1f square %d video", size, thr, int(sq));
        print(what, agree(video, on_image, 0.3));
        const cv::Mat frame = video[0].rgb;
        run(tiny(), frame, o);
        const auto t0 = std::chrono::steady_clock::now();
        for (int i = 0; i < 5; ++i) run(tiny(), frame, o);
        std::printf("[tiny] size %d: %.1f ms on %dx%d\n", size,
                    std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() / 5,
                    frame.cols, frame.rows);
      }
}
}  // namespace
}  // namespace cartoonize::faceapi::test

namespace cartoonize::faceapi::test {
namespace {
TEST(TinyFaceDetector, DISABLED_ScoresOnFiles) {
  std::istringstream files(std::getenv("TINY_FILES") ? std::getenv("TINY_FILES") : "");
  for (std::string f; files >> f;) {
    const cv::Mat rgb = cartoonize::faces::test::load_rgb(f);
    for (int size : {224, 416}) {
      TinyFaceOptions o;
      o.input_size = size;
      o.score_threshold = 0.2f;
      o.pad_to_square = false;
      for (const FaceBox& b : run(tiny(), rgb, o))
        std::printf("[scores] %s @%d: %.0f,%.0f %.0fx%.0f score %.3f\n", f.c_str(), size, b.x, b.y, b.width, b.height, b.score);
    }
  }
}
}  // namespace
}  // namespace cartoonize::faceapi::test
