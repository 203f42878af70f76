// cartoonize-train eval: the identity model, the photo-vs-cartoon classifier,
// the warping error and the command end to end, on the shared real data.
#include <cstdio>
#include <filesystem>
#include <random>
#include <utility>

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include "commands.h"
#include "error.h"
#include "eval_classifier.h"
#include "eval_face_path.h"
#include "eval_identity.h"
#include "eval_warping.h"
#include "image_folder.h"
#include "test_support.h"

namespace ct = cartoonize::testing;
namespace tr = cartoonize::train;
namespace cf = cartoonize::faces;
namespace fs = std::filesystem;

namespace {

cv::Mat load_rgb(const std::string& file) {
  cv::Mat bgr = cv::imread(file, cv::IMREAD_COLOR), rgb;
  if (bgr.empty()) throw std::runtime_error("cannot read " + file);
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  return rgb;
}

cf::FaceDetector& detector() {
  static cf::FaceDetector d;
  return d;
}

tr::FaceIdentity& identity() {
  static tr::FaceIdentity id(tr::default_dlib_resnet());
  return id;
}

// The landmarks of the one face dlib finds in a shared face photo.
cf::Landmarks only_face(const cv::Mat& rgb) {
  const auto found = tr::detect_faces(detector(), rgb, 0);
  if (found.size() != 1) throw std::runtime_error("expected one face, found " + std::to_string(found.size()));
  return found[0].raw;
}

// n shared files of a folder, evenly spaced, copied into dst.
void copy_some(const std::string& folder, size_t n, const std::string& dst) {
  const auto files = tr::list_images({ct::shared_data(folder)});
  fs::create_directories(dst);
  for (size_t i = 0; i < n; ++i) {
    const fs::path f = files.at(i * files.size() / n);
    fs::copy_file(f, fs::path(dst) / f.filename());
  }
}

}  // namespace

TEST(EvalIdentity, PhotoOfItselfIsTheSamePerson) {
  const cv::Mat img = load_rgb(ct::shared_data("faces/face_00002.jpg"));
  const auto lm = only_face(img);
  const auto a = identity().describe(img, lm), b = identity().describe(img, lm);
  EXPECT_NEAR(tr::cosine_similarity(a, b), 1.0, 1e-6);
  EXPECT_LT(tr::euclidean_distance(a, b), 1e-4);
  // Re-encoded at another size it is still the same person.
  cv::Mat smaller, bgr;
  cv::resize(img, smaller, cv::Size(), 0.7, 0.7, cv::INTER_AREA);
  std::vector<uchar> jpeg;
  cv::cvtColor(smaller, bgr, cv::COLOR_RGB2BGR);
  cv::imencode(".jpg", bgr, jpeg, {cv::IMWRITE_JPEG_QUALITY, 60});
  cv::cvtColor(cv::imdecode(jpeg, cv::IMREAD_COLOR), smaller, cv::COLOR_BGR2RGB);
  EXPECT_LT(tr::euclidean_distance(a, identity().describe(smaller, only_face(smaller))), tr::kSamePersonDistance);
}

TEST(EvalIdentity, DifferentPeopleDoNotMatch) {
  // index.tsv: a 14-year-old black boy and a 17-year-old white girl; a
  // 50-year-old asian man and a 39-year-old white woman.
  const std::pair<const char*, const char*> pairs[] = {{"face_00000.jpg", "face_00004.jpg"},
                                                       {"face_00001.jpg", "face_00006.jpg"}};
  for (const auto& [first, second] : pairs) {
    const cv::Mat a = load_rgb(ct::shared_data(std::string("faces/") + first));
    const cv::Mat b = load_rgb(ct::shared_data(std::string("faces/") + second));
    const auto da = identity().describe(a, only_face(a)), db = identity().describe(b, only_face(b));
    EXPECT_GT(tr::euclidean_distance(da, db), tr::kSamePersonDistance) << first << " vs " << second;
    EXPECT_LT(tr::cosine_similarity(da, db), 0.99) << first << " vs " << second;
  }
}

TEST(EvalIdentity, MissingModelIsAClearError) {
  EXPECT_THROW(tr::FaceIdentity("/nonexistent/resnet.dat"), cartoonize::Error);
  ct::TempDir tmp;
  {
    std::FILE* f = std::fopen(tmp.file("bad.dat").c_str(), "w");
    std::fputs("not a network", f);
    std::fclose(f);
  }
  EXPECT_THROW(tr::FaceIdentity(tmp.file("bad.dat")), cartoonize::Error);
}

TEST(EvalClassifier, TellsPhotosFromCartoonsOnHeldOutImages) {
  ct::TempDir tmp;
  const auto photos = tr::list_images({ct::shared_data("faces")}), cartoons = tr::list_images({ct::shared_data("cartoons")});
  const auto c = tr::CartoonClassifier::train_or_load(photos, cartoons, tmp.file("cls.txt"), 80);
  const auto& r = c.report();
  EXPECT_FALSE(r.from_cache);
  EXPECT_GT(r.test_photos, 5);
  EXPECT_GT(r.test_cartoons, 5);
  EXPECT_GT(r.heldout_accuracy, 0.75);  // chance: 0.5 (balanced accuracy)
  // The cache gives the same classifier back; another listing retrains.
  const auto again = tr::CartoonClassifier::train_or_load(photos, cartoons, tmp.file("cls.txt"), 80);
  EXPECT_TRUE(again.report().from_cache);
  EXPECT_DOUBLE_EQ(again.report().heldout_accuracy, r.heldout_accuracy);
  const cv::Mat cartoon = load_rgb(cartoons[3]);
  EXPECT_NEAR(again.cartoon_probability(cartoon), c.cartoon_probability(cartoon), 1e-9);
  EXPECT_FALSE(tr::CartoonClassifier::train_or_load(photos, cartoons, tmp.file("cls.txt"), 60).report().from_cache);
}

TEST(EvalBaselines, RestyleFaceCropsAndKeepTheirSize) {
  const cv::Mat img = load_rgb(ct::shared_data("faces/face_00002.jpg"));
  const auto found = tr::detect_faces(detector(), img, 0);
  ASSERT_EQ(found.size(), 1u);
  for (const char* name : {"stylization", "bilateral-edge", "rendering"}) {
    tr::CropStylizer stylizer("", name, 128, tr::parse_cartoon_rendering("l0_lambda=0.005,ink=1"));
    const tr::StyledImage out = tr::stylize_faces(img, found, stylizer, {});
    ASSERT_EQ(out.image.size(), img.size()) << name;
    ASSERT_EQ(out.regions.size(), 1u) << name;
    ASSERT_EQ(out.crops.size(), 1u) << name;
    EXPECT_EQ(out.crops[0].size(), cv::Size(128, 128)) << name;
    // The face changed; nothing outside the paste region did.
    EXPECT_GT(cv::norm(out.image(out.regions[0]), img(out.regions[0]), cv::NORM_L1) / out.regions[0].area(), 2.0) << name;
    cv::Mat outside(img.size(), CV_8UC1, cv::Scalar(255));
    outside(out.regions[0]).setTo(0);
    EXPECT_EQ(cv::norm(out.image, img, cv::NORM_INF, outside), 0.0) << name;
  }
}

TEST(EvalWarping, PassThroughIsStableNoiseIsNot) {
  cv::VideoCapture cap(ct::shared_data("video/lp_d9.mp4"));
  ASSERT_TRUE(cap.isOpened());
  tr::WarpingMeter meter(2);
  std::mt19937 rng(7);
  cv::Mat bgr, rgb;
  for (int i = 0; i < 12 && cap.read(bgr); ++i) {
    cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
    cv::Mat noise(rgb.size(), CV_16SC3), noisy;
    cv::randn(noise, 0, 8);
    rgb.convertTo(noisy, CV_16SC3);
    noisy += noise;
    noisy.convertTo(noisy, CV_8UC3);
    meter.add(rgb, {rgb, noisy}, cv::Mat());
  }
  ASSERT_EQ(meter.pairs(), 11);
  const double still = meter.error(0), flicker = meter.error(1);
  std::printf("warping error: pass-through %.3f, noise sigma 8 %.3f\n", still, flicker);
  EXPECT_LT(still, 0.3 * flicker);
  EXPECT_GT(flicker, 4.0);  // |N(0,8) - N(0,8)| averages 9; bilinear warping blurs some
}

TEST(EvalWarping, IdenticalFramesHaveNoError) {
  const cv::Mat frame = load_rgb(ct::shared_data("photos/sample2.jpg"));
  cv::Mat small;
  cv::resize(frame, small, cv::Size(480, 320), 0, 0, cv::INTER_AREA);
  tr::WarpingMeter meter(1);
  for (int i = 0; i < 3; ++i) meter.add(small, {small}, cv::Mat());
  EXPECT_LT(meter.error(0), 0.05);
}

TEST(EvalCommand, JsonOnHeldOutPhotosHasEveryMetric) {
  ct::TempDir tmp;
  copy_some("faces", 40, tmp.file("photos"));
  copy_some("cartoons", 40, tmp.file("cartoons"));
  const std::string data = tmp.file("data");
  ASSERT_EQ(tr::cmd_prepare({"--photos", tmp.file("photos"), "--cartoons", tmp.file("cartoons"), "--out", data,
                             "--test-percent", "20"}),
            0);
  ::testing::internal::CaptureStdout();
  const int rc = tr::cmd_eval({"--data", data, "--model", ct::default_model(), "--limit", "5", "--clip",
                               ct::shared_data("video/lp_d9.mp4"), "--clip-frames", "6", "--json"});
  std::fflush(stdout);
  const std::string out = ::testing::internal::GetCapturedStdout();
  ASSERT_EQ(rc, 0);
  std::printf("%s", out.c_str());
  for (const char* key : {"faces_redetected", "landmark_nme", "identity_cosine", "identity_match", "cartoon_score",
                          "cartoon_score_input", "cartoon_score_crop", "classifier_heldout_accuracy", "warping_error", "warping_error_raw",
                          "warping_ratio", "warping_error_input", "faces_redetected_ok", "\"faces\""})
    EXPECT_NE(out.find(std::string(key).front() == '"' ? key : "\"" + std::string(key) + "\": "), std::string::npos)
        << key;
  EXPECT_EQ(out.find("\"faces\": 0,"), std::string::npos);
  EXPECT_EQ(out.front(), '{');
  EXPECT_TRUE(fs::exists(data + "/eval-classifier.txt"));
}

TEST(EvalCommand, BadInputIsAClearError) {
  ct::TempDir tmp;
  EXPECT_THROW(tr::cmd_eval({"--data", tmp.file("missing")}), cartoonize::Error);
  for (const char* dir : {"photo/test", "photo/train", "cartoon"}) fs::create_directories(tmp.file(dir));
  EXPECT_THROW(tr::cmd_eval({"--data", tmp.path(), "--baseline", "oil-paint"}), cartoonize::Error);
  // Folders without images: no classifier can be trained.
  EXPECT_THROW(tr::cmd_eval({"--data", tmp.path(), "--baseline", "stylization", "--clip", "none"}), cartoonize::Error);
  EXPECT_THROW(tr::cmd_eval({"--limit", "many"}), cartoonize::Error);
}
