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

#include "align.h"
#include "commands.h"
#include "error.h"
#include "eval_classifier.h"
#include "eval_face_path.h"
#include "eval_identity.h"
#include "eval_skin.h"
#include "eval_style_score.h"
#include "eval_warping.h"
#include "image_folder.h"
#include "output_filter.h"
#include "split.h"
#include "tensor_image.h"
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

// The style classifier eval trains for --style-images ../shared/data/anime256
// against the held-out selfies (default config, no cache): trained once here.
const tr::StyleClassifier& anime_classifier() {
  static const tr::StyleClassifier c = tr::StyleClassifier::train_or_load(
      tr::list_images({ct::shared_data("selfies")}), tr::list_images({ct::shared_data("anime256")}), "");
  return c;
}

// Aligned 128 px face crops of n UTKFace photos as they came in and restyled
// by a classical baseline (the crops eval's style score looks at).
std::pair<std::vector<cv::Mat>, std::vector<cv::Mat>> face_crops(size_t n, const std::string& baseline) {
  const auto files = tr::evenly_spaced(tr::list_images({ct::shared_data("faces")}), int(n));
  tr::CropStylizer stylizer("", baseline, 128);
  std::vector<cv::Mat> inputs, styled;
  for (const auto& f : files) {
    const cv::Mat img = load_rgb(f);
    const auto found = tr::detect_faces(detector(), img, 0);
    for (const auto& c : cf::extract_faces(img, found, 128, {})) inputs.push_back(c.crop);
    for (const auto& c : tr::stylize_faces(img, found, stylizer, {}).crops) styled.push_back(c);
  }
  return {inputs, styled};
}

double style_share(const tr::StyleClassifier& c, const std::vector<cv::Mat>& crops) {
  double n = 0;
  for (const auto& crop : crops) n += c.is_style(crop);
  return crops.empty() ? 0 : n / double(crops.size());
}

// The first n held-out files of a shared folder, copied into dst (names kept,
// so they stay held out).
void copy_held_out(const std::string& folder, size_t n, const std::string& dst) {
  const auto files = tr::style_held_out(tr::list_images({ct::shared_data(folder)}));
  fs::create_directories(dst);
  for (size_t i = 0; i < n; ++i) fs::copy_file(files.at(i), fs::path(dst) / fs::path(files.at(i)).filename());
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

TEST(EvalStyleScore, SeparatesHeldOutAnimeFromHeldOutSelfies) {
  const auto& r = anime_classifier().report();
  std::printf("style classifier anime256 vs selfies: train %d+%d, test %d+%d, balanced accuracy %.3f\n", r.train_photos,
              r.train_style, r.test_photos, r.test_style, r.heldout_accuracy);
  // About 10 % of 1500 selfies and 3400 anime portraits are held out; ~30 % of those test.
  EXPECT_GT(r.train_photos, 60);
  EXPECT_GT(r.test_photos, 20);
  EXPECT_GT(r.train_style, 150);
  EXPECT_GT(r.test_style, 60);
  EXPECT_GE(r.heldout_accuracy, 0.8);  // chance: 0.5
}

TEST(EvalStyleScore, PhotoCropsScoreLowACartoonizationHigher) {
  const auto [inputs, styled] = face_crops(16, "bilateral-edge");
  ASSERT_GE(inputs.size(), 12u);
  ASSERT_EQ(inputs.size(), styled.size());
  const double photos = style_share(anime_classifier(), inputs), cartoon = style_share(anime_classifier(), styled);
  double p_photos = 0, p_cartoon = 0;
  for (size_t i = 0; i < inputs.size(); ++i) {
    p_photos += anime_classifier().style_probability(inputs[i]) / double(inputs.size());
    p_cartoon += anime_classifier().style_probability(styled[i]) / double(styled.size());
  }
  std::printf("style score on %zu UTKFace crops: photos %.3f (mean p %.3f), bilateral-edge %.3f (mean p %.3f)\n",
              inputs.size(), photos, p_photos, cartoon, p_cartoon);
  EXPECT_LE(photos, 0.2);
  EXPECT_GT(p_cartoon, p_photos + 0.1);
  EXPECT_GT(cartoon, photos);
}

TEST(EvalStyleScore, HeldOutOnlyDeterministicAndCached) {
  const auto selfies = tr::list_images({ct::shared_data("selfies")}), toon = tr::list_images({ct::shared_data("toon")});
  // The held-out rule keeps about a tenth, by file name alone.
  const auto held = tr::style_held_out(toon);
  EXPECT_GT(held.size(), toon.size() / 20);
  EXPECT_LT(held.size(), toon.size() / 5);
  for (const auto& f : held) EXPECT_TRUE(tr::held_out(f, tr::kStyleHeldOutPercent)) << f;
  tr::StyleClassifierConfig config;
  config.steps = 15;
  ct::TempDir tmp;
  const auto a = tr::StyleClassifier::train_or_load(selfies, toon, tmp.path(), config);
  const auto b = tr::StyleClassifier::train_or_load(selfies, toon, "", config);
  const auto cached = tr::StyleClassifier::train_or_load(selfies, toon, tmp.path(), config);
  EXPECT_FALSE(a.report().from_cache);
  EXPECT_FALSE(b.report().from_cache);
  EXPECT_TRUE(cached.report().from_cache);
  const auto& r = a.report();
  EXPECT_EQ(size_t(r.train_style + r.test_style), held.size());  // every held-out toon image is readable and used
  EXPECT_EQ(size_t(r.train_photos + r.test_photos), tr::style_held_out(selfies).size());
  const cv::Mat crop = tr::style_view(load_rgb(held.front()));
  EXPECT_EQ(a.style_probability(crop), b.style_probability(crop));  // same seed, same classifier
  EXPECT_FLOAT_EQ(float(cached.style_probability(crop)), float(a.style_probability(crop)));
  EXPECT_EQ(cached.report().heldout_accuracy, r.heldout_accuracy);
  // Another seed is another classifier.
  config.seed = 2;
  EXPECT_NE(tr::StyleClassifier::train_or_load(selfies, toon, "", config).style_probability(crop), a.style_probability(crop));
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

// The skin of real faces in eval's fixed skin geometry: crop and mask.
static std::pair<cv::Mat, cv::Mat> skin_crop(const std::string& file) {
  const cv::Mat rgb = load_rgb(file);
  const cf::Landmarks lm = only_face(rgb);
  const cv::Matx23f M = cf::alignment_transform(lm, tr::kSkinCropSize, tr::kSkinCropMargin);
  return {cf::warp_face(rgb, M, tr::kSkinCropSize), tr::skin_region(cf::transform_landmarks(M, lm), tr::kSkinCropSize)};
}

TEST(EvalSkin, CheeksAndForeheadOfRealFacesAreSkinColouredAndMostlyFreeOfLines) {
  const auto files = tr::evenly_spaced(tr::list_images({ct::shared_data("selfies")}), 12);
  int faces = 0;
  double lines = 0;
  for (const auto& f : files) {
    std::pair<cv::Mat, cv::Mat> cm;
    try {
      cm = skin_crop(f);
    } catch (const std::runtime_error&) {
      continue;  // not exactly one face
    }
    const auto& [crop, skin] = cm;
    ++faces;
    // A few hundred pixels of the 128-px crop: the cheeks and a forehead band.
    EXPECT_GT(cv::countNonZero(skin), 600) << f;
    EXPECT_LT(cv::countNonZero(skin), 128 * 128 / 3) << f;
    // Skin in L*a*b*: reddish-yellow (a*, b* > 0), neither black nor white.
    const cv::Vec3d lab = tr::skin_lab_mean(crop, skin);
    EXPECT_GT(lab[0], 20) << f;
    EXPECT_LT(lab[0], 95) << f;
    EXPECT_GT(lab[1], 0) << f;
    EXPECT_GT(lab[2], 0) << f;
    lines += tr::skin_line_share(crop, skin);
  }
  ASSERT_GE(faces, 8);
  EXPECT_LT(lines / faces, 0.05) << "photo skin has few thin dark lines";
}

TEST(EvalSkin, StrokesDrawnAcrossTheCheeksAndATintAreMeasured) {
  const std::string file = tr::evenly_spaced(tr::list_images({ct::shared_data("faces")}), 7).at(3);
  const auto [crop, skin] = skin_crop(file);
  const double before = tr::skin_line_share(crop, skin);
  // Cracks: thin dark strokes across the face, as the anime style drew them.
  cv::Mat cracked = crop.clone();
  for (int x = 20; x < 118; x += 9) cv::line(cracked, {x, 10}, {x + 6, 120}, cv::Scalar(40, 30, 30), 1, cv::LINE_AA);
  EXPECT_GT(tr::skin_line_share(cracked, skin), before + 0.05);
  // Thick strokes (a flat dark region) are not thin lines.
  cv::Mat flat = crop.clone();
  flat.setTo(cv::Scalar(120, 90, 80));
  EXPECT_LT(tr::skin_line_share(flat, skin), 0.01);
  // A green cast moves a* down, and by about as much as it was made.
  cv::Mat green;
  crop.convertTo(green, CV_8UC3);
  green.forEach<cv::Vec3b>([](cv::Vec3b& p, const int*) {
    p[0] = cv::saturate_cast<uchar>(p[0] * 0.8);
    p[2] = cv::saturate_cast<uchar>(p[2] * 0.8);
  });
  const cv::Vec3d d = tr::skin_lab_mean(green, skin) - tr::skin_lab_mean(crop, skin);
  EXPECT_LT(d[1], -8) << "a* (green-red) falls";
}

// An RGB crop as 1 x 3 x H x W in [0, 1], and back (core's tensor_image.h).
static torch::Tensor to01(cv::Mat rgb) {
  return cartoonize::packed_to_rgb(cf::view_of(rgb, cartoonize::PixelLayout::RGB)) / 255.0;
}
static cv::Mat to_bytes(const torch::Tensor& t01) {
  cv::Mat out(int(t01.size(2)), int(t01.size(3)), CV_8UC3);
  cartoonize::rgb_to_packed(t01 * 255.0, cf::view_of(out, cartoonize::PixelLayout::RGB));
  return out;
}

TEST(OutputFilter, LinesClosesStrokesTheFaceLacksAndKeepsItsOwn) {
  // A real face; its "cartoon" is the face with cracks drawn across it.
  const std::string file = tr::evenly_spaced(tr::list_images({ct::shared_data("faces")}), 7).at(3);
  const auto [crop, skin] = skin_crop(file);
  cv::Mat cracked = crop.clone();
  for (int x = 20; x < 118; x += 9) cv::line(cracked, {x, 10}, {x + 6, 120}, cv::Scalar(40, 30, 30), 1, cv::LINE_AA);
  cartoonize::OutputFilter f;
  f.line_radius = 2;
  f.line_contrast = 0.06;
  const cv::Mat repaired = to_bytes(cartoonize::apply_output_filter(to01(crop), to01(cracked), f));
  const double input_lines = tr::skin_line_share(crop, skin);
  EXPECT_GT(tr::skin_line_share(cracked, skin), input_lines + 0.05);
  EXPECT_LT(tr::skin_line_share(repaired, skin), input_lines + 0.01) << "the cracks are closed over";
  // The face's own dark features (eyes, brows, nostrils, lips) are lines of
  // the input too: a cartoon that only darkens them keeps them.
  cv::Mat inked = crop.clone();
  cv::Mat bh;
  cv::Mat grey;
  cv::cvtColor(crop, grey, cv::COLOR_RGB2GRAY);
  cv::morphologyEx(grey, bh, cv::MORPH_BLACKHAT, cv::getStructuringElement(cv::MORPH_RECT, {5, 5}));
  inked.setTo(cv::Scalar(20, 15, 15), bh > 25);
  const cv::Mat kept = to_bytes(cartoonize::apply_output_filter(to01(crop), to01(inked), f));
  const cv::Mat own = bh > 25;
  ASSERT_GT(cv::countNonZero(own), 100);
  EXPECT_LT(cv::mean(kept, own)[0], 0.5 * cv::mean(crop, own)[0]) << "the face's own lines stay dark";
}

TEST(OutputFilter, ColorCarriesTheSkinToneThroughACastAndKeepsTheLuma) {
  // Real faces; their "cartoon" is the face with an orange cast, as toon drew it.
  const auto files = tr::evenly_spaced(tr::list_images({ct::shared_data("faces")}), 5);
  cartoonize::OutputFilter full, half;
  full.color = 1.0;
  half.color = 0.5;
  for (const auto& file : files) {
    const auto [crop, skin] = skin_crop(file);
    cv::Mat orange;
    crop.convertTo(orange, CV_8UC3);
    orange.forEach<cv::Vec3b>([](cv::Vec3b& p, const int*) {
      p[0] = cv::saturate_cast<uchar>(p[0] * 1.15 + 10);
      p[2] = cv::saturate_cast<uchar>(p[2] * 0.75);
    });
    const cv::Vec3d lab_in = tr::skin_lab_mean(crop, skin);
    const auto shift = [&](const cv::Mat& m) {
      const cv::Vec3d d = tr::skin_lab_mean(m, skin) - lab_in;
      return std::hypot(d[1], d[2]);
    };
    const double cast = shift(orange);
    ASSERT_GT(cast, 8) << file;
    const cv::Mat fixed = to_bytes(cartoonize::apply_output_filter(to01(crop), to01(orange), full));
    const cv::Mat halfway = to_bytes(cartoonize::apply_output_filter(to01(crop), to01(orange), half));
    EXPECT_LT(shift(fixed), 0.3 * cast) << file;
    EXPECT_NEAR(shift(halfway), 0.5 * cast, 0.25 * cast) << file;
    EXPECT_NEAR(tr::skin_lab_mean(fixed, skin)[0], tr::skin_lab_mean(orange, skin)[0], 2.5) << "luma kept, " << file;
  }
}

TEST(EvalCommand, JsonOnHeldOutPhotosHasEveryMetric) {
  ct::TempDir tmp;
  copy_some("faces", 40, tmp.file("photos"));
  copy_some("cartoons", 40, tmp.file("cartoons"));
  copy_held_out("anime256", 14, tmp.file("anime"));
  copy_held_out("selfies", 14, tmp.file("selfies"));
  const std::string data = tmp.file("data");
  ASSERT_EQ(tr::cmd_prepare({"--photos", tmp.file("photos"), "--cartoons", tmp.file("cartoons"), "--out", data,
                             "--test-percent", "20"}),
            0);
  ::testing::internal::CaptureStdout();
  const int rc = tr::cmd_eval({"--data", data, "--model", ct::default_model(), "--limit", "5", "--clip",
                               ct::shared_data("video/lp_d9.mp4"), "--clip-frames", "6",
                               "--style-images", tmp.file("anime"), "--style-photos", tmp.file("selfies"),
                               "--style-steps", "20", "--json", "--save-crops", tmp.file("crops")});
  std::fflush(stdout);
  const std::string out = ::testing::internal::GetCapturedStdout();
  ASSERT_EQ(rc, 0);
  std::printf("%s", out.c_str());
  for (const char* key : {"faces_redetected", "landmark_nme", "identity_cosine", "identity_match", "cartoon_score",
                          "cartoon_score_input", "cartoon_score_crop", "classifier_heldout_accuracy", "warping_error", "warping_error_raw",
                          "warping_ratio", "warping_error_input", "faces_redetected_ok", "style_score", "style_score_ok",
                          "style_score_photos", "style_classifier_accuracy", "skin_lines", "skin_lines_input",
                          "skin_lines_ok", "skin_dL", "skin_da", "skin_db", "skin_ab_shift", "smoothing_nme",
                          "\"faces\""})
  {
    // A JSON key as it is printed ("faces" is given quoted: it is a prefix of other keys).
    const std::string needle = key[0] == '"' ? std::string(key) : std::string(1, '"').append(key).append("\": ");
    EXPECT_NE(out.find(needle), std::string::npos) << key;
  }
  EXPECT_EQ(out.find("\"faces\": 0,"), std::string::npos);
  EXPECT_EQ(out.front(), '{');
  EXPECT_TRUE(fs::exists(data + "/eval-classifier.txt"));
  int style_caches = 0;
  for (const auto& e : fs::directory_iterator(data)) style_caches += e.path().filename().string().rfind("eval-style-", 0) == 0;
  EXPECT_EQ(style_caches, 1);
  // --save-crops: every restyled crop beside its input, as images.
  const cv::Mat crop = cv::imread(tmp.file("crops/crop-000.png")), input = cv::imread(tmp.file("crops/crop-000-input.png"));
  ASSERT_FALSE(crop.empty());
  ASSERT_EQ(crop.size(), input.size());
  EXPECT_GT(cv::norm(crop, input, cv::NORM_L1) / double(crop.total() * 3), 1.0) << "the crop was restyled";
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
