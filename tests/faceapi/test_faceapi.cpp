// faceapi: the ported face-api.js networks against TensorFlow and real data.
//   * Both nets and the tiny face detector's head reproduce TensorFlow's
//     outputs (tf_reference.txt, made by make_tf_reference.py) on a synthetic
//     input (the detector against dlib: test_tiny_face_detector.cpp).
//   * LandmarkNet vs dlib's 68-point shape predictor on real photos (NME).
//   * FaceRecognitionNet: two crops of one face are close, different people far.
//   * Damaged weight files give cartoonize::Error, never a crash.
//   * Gradients reach the input image (the nets are meant as losses).
// Timings are printed, not asserted.
#include <algorithm>
#include <cmath>
#include <fstream>
#include <numeric>
#include <sstream>

#include <unistd.h>

#include <gtest/gtest.h>

#include "error.h"
#include "real_faces.h"
#include "landmark_net.h"
#include "recognition_net.h"
#include "tiny_face_detector.h"
#include "weights.h"

namespace cartoonize::faceapi::test {
namespace {

const char* kLandmarkManifest = "face_landmark_68_model-weights_manifest.json";
const char* kRecognitionManifest = "face_recognition_model-weights_manifest.json";

LandmarkNet& landmark_net() {
  static LandmarkNet net(model_dir() / kLandmarkManifest);
  return net;
}

FaceRecognitionNet& recognition_net() {
  static FaceRecognitionNet net(model_dir() / kRecognitionManifest);
  return net;
}

struct Stats {
  double mean, median, p90, min, max;
};

Stats stats(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const auto at = [&](double q) { return v[size_t(q * double(v.size() - 1) + 0.5)]; };
  return {std::accumulate(v.begin(), v.end(), 0.0) / double(v.size()), at(0.5), at(0.9), v.front(), v.back()};
}

std::string describe(const Stats& s) {
  char buf[200];
  std::snprintf(buf, sizeof buf, "mean %.4f median %.4f p90 %.4f min %.4f max %.4f", s.mean, s.median, s.p90,
                s.min, s.max);
  return buf;
}

// Landmark error of one face, normalised by the outer-eye-corner distance
// (points 36 and 45), against dlib's points.
double nme(const faces::Landmarks& ref, const torch::Tensor& pred112, const Square& sq) {
  const auto p = pred112.accessor<float, 2>();
  const double iod = cv::norm(ref[36] - ref[45]);
  double sum = 0;
  for (int i = 0; i < faces::kLandmarkCount; ++i)
    sum += cv::norm(to_image(sq, 112, {p[i][0], p[i][1]}) - ref[i]);
  return sum / faces::kLandmarkCount / iod;
}

// The crop the landmark test uses: dlib's HOG box is tight (brows to lip);
// face-api's detectors (SSD / tiny YOLO) return looser boxes reaching the
// forehead and chin. Enlarging the HOG box by 1.3 about a centre moved down
// by 5 % approximates them.
constexpr float kBoxScale = 1.3f, kBoxShift = 0.05f;

std::vector<double> landmark_nmes(const std::vector<Face>& faces, float scale, float shift) {
  std::vector<torch::Tensor> crops;
  std::vector<Square> squares;
  for (const Face& f : faces) {
    squares.push_back(square_around(f.box, scale, shift));
    crops.push_back(crop(f.rgb, squares.back(), 112));
  }
  torch::NoGradGuard no_grad;
  const torch::Tensor pred = landmark_net().forward(torch::cat(crops));
  std::vector<double> out;
  for (size_t i = 0; i < faces.size(); ++i) out.push_back(nme(faces[i].lm, pred[int64_t(i)], squares[i]));
  return out;
}

// ---- against TensorFlow ---------------------------------------------------

// The deterministic input make_tf_reference.py feeds TensorFlow (its pattern()),
// as N×3×size×size.
torch::Tensor pattern(int64_t n, int64_t size) {
  const auto opts = torch::TensorOptions().dtype(torch::kFloat64);
  const torch::Tensor b = torch::arange(n, opts).view({n, 1, 1, 1});
  const torch::Tensor c = torch::arange(3, opts).view({1, 3, 1, 1});
  const torch::Tensor y = torch::arange(size, opts).view({1, 1, size, 1});
  const torch::Tensor x = torch::arange(size, opts).view({1, 1, 1, size});
  const torch::Tensor v = 127.5 + 127.5 * torch::sin(0.11 * x * (c + 1) + 0.07 * y + 1.3 * b) *
                                      torch::cos(0.05 * y - 0.09 * x * (b + 1));
  return v.to(torch::kFloat32);
}

// Rows of tf_reference.txt starting with `name`, as a matrix.
torch::Tensor tf_reference(const std::string& name) {
  const char* root = std::getenv("CARTOONIZE_SOURCE_ROOT");
  if (!root) throw std::runtime_error("CARTOONIZE_SOURCE_ROOT is not set");
  std::ifstream in(std::filesystem::path(root) / "tests" / "faceapi" / "tf_reference.txt");
  if (!in) throw std::runtime_error("cannot read tests/faceapi/tf_reference.txt");
  std::vector<torch::Tensor> rows;
  for (std::string line; std::getline(in, line);) {
    std::istringstream ls(line);
    std::string tag;
    ls >> tag;
    if (tag != name) continue;
    std::vector<float> v;
    for (float f; ls >> f;) v.push_back(f);
    rows.push_back(torch::tensor(v));
  }
  if (rows.empty()) throw std::runtime_error("no '" + name + "' rows in tf_reference.txt");
  return torch::stack(rows);
}

TEST(FaceApiPort, LandmarkNetMatchesTensorFlow) {
  torch::NoGradGuard no_grad;
  const torch::Tensor want = tf_reference("landmarks");
  const torch::Tensor got = landmark_net().forward(pattern(want.size(0), 112)).flatten(1);
  const double err = (got - want).abs().max().item<double>();
  std::printf("[port] LandmarkNet max |LibTorch - TensorFlow| = %.2e px (values up to %.0f px)\n", err,
              want.abs().max().item<double>());
  EXPECT_LT(err, 2e-3);  // float32 summation-order noise; a layout or padding slip is > 0.1 px
}

TEST(FaceApiPort, FaceRecognitionNetMatchesTensorFlow) {
  torch::NoGradGuard no_grad;
  const torch::Tensor want = tf_reference("recognition");
  const torch::Tensor got = recognition_net().forward(pattern(want.size(0), 150));
  const double err = (got - want).abs().max().item<double>();
  std::printf("[port] FaceRecognitionNet max |LibTorch - TensorFlow| = %.2e (values up to %.2f)\n", err,
              want.abs().max().item<double>());
  EXPECT_LT(err, 1e-4);
}

// The tiny face detector's head on the pattern, square (416) and wide
// (224 × 320: the pad-to-multiple-of-32 case).
TEST(FaceApiPort, TinyFaceDetectorMatchesTensorFlow) {
  const TinyFaceDetector tiny(model_dir() / TinyFaceDetector::kManifestName);
  struct Case {
    const char* name;
    torch::Tensor input;  // 3 × H × W
  };
  for (const Case& c : {Case{"tiny416", pattern(1, 416)[0].contiguous()},
                        Case{"tiny224x320", pattern(1, 320)[0].narrow(1, 0, 224).contiguous()}}) {
    const torch::Tensor want = tf_reference(c.name)[0];
    const std::vector<float> x(c.input.data_ptr<float>(), c.input.data_ptr<float>() + c.input.numel());
    const torch::Tensor got = torch::tensor(tiny.raw_output(x, int(c.input.size(1)), int(c.input.size(2))));
    ASSERT_EQ(got.numel(), want.numel()) << c.name;
    const double err = (got - want).abs().max().item<double>();
    std::printf("[port] TinyFaceDetector %s max |LibTorch - TensorFlow| = %.2e (values up to %.1f)\n", c.name, err,
                want.abs().max().item<double>());
    EXPECT_LT(err, 1e-3) << c.name;  // float32 noise; a padding or layout slip moves values by > 0.1
  }
  EXPECT_THROW(tiny.raw_output(std::vector<float>(3 * 40 * 40), 40, 40), Error);
}

// ---- landmarks ------------------------------------------------------------

TEST(FaceApiLandmarks, AgreesWithDlibOnRealPhotos) {
  std::vector<Face> faces = photo_faces();
  const size_t n_photo = faces.size();
  ASSERT_GE(n_photo, 10u) << "dlib should find 11 faces in photos/";
  for (Face& f : utk_faces(50)) faces.push_back(std::move(f));
  ASSERT_GE(faces.size() - n_photo, 40u) << "dlib should find most faces in faces/";

  const std::vector<double> all = landmark_nmes(faces, kBoxScale, kBoxShift);
  const Stats photos = stats({all.begin(), all.begin() + long(n_photo)});
  const Stats utk = stats({all.begin() + long(n_photo), all.end()});
  const Stats s = stats(all);
  std::printf("[landmarks] NME vs dlib (inter-ocular), %zu faces: %s\n", all.size(), describe(s).c_str());
  std::printf("[landmarks]   photos/ (%zu): %s\n", n_photo, describe(photos).c_str());
  std::printf("[landmarks]   faces/  (%zu): %s\n", all.size() - n_photo, describe(utk).c_str());
  // A faithful port lands around 0.05-0.06 (two different landmark models
  // disagree by that much); a wrong layout or padding gives 0.3 and more.
  EXPECT_LT(s.mean, 0.08);
  EXPECT_LT(s.p90, 0.12);
}

// How sensitive the agreement is to the crop (informational): the net was
// trained on detector boxes, so it degrades gracefully, not abruptly.
TEST(FaceApiLandmarks, DISABLED_CropSweep) {
  std::vector<Face> faces = photo_faces();
  for (Face& f : utk_faces(50)) faces.push_back(std::move(f));
  for (float scale : {1.0f, 1.1f, 1.2f, 1.3f, 1.4f, 1.5f, 1.6f})
    for (float shift : {0.0f, 0.05f, 0.1f})
      std::printf("scale %.1f shift %.2f: %s\n", scale, shift,
                  describe(stats(landmark_nmes(faces, scale, shift))).c_str());
}

TEST(FaceApiLandmarks, GradientReachesTheInput) {
  const std::vector<Face> faces = utk_faces(2);
  ASSERT_FALSE(faces.empty());
  torch::Tensor x = crop(faces[0].rgb, square_around(faces[0].box, kBoxScale, kBoxShift), 112);
  torch::Tensor target;
  {
    torch::NoGradGuard no_grad;
    target = landmark_net().forward(x);
  }
  // A perturbed image against the clean one's landmarks: the loss a generator sees.
  x = (x + 8 * torch::randn_like(x, torch::TensorOptions().dtype(torch::kFloat32))).clamp(0, 255);
  x.requires_grad_(true);
  const torch::Tensor loss = (landmark_net().forward(x) - target).pow(2).mean();
  loss.backward();
  const torch::Tensor g = x.grad();
  ASSERT_TRUE(g.defined());
  EXPECT_TRUE(torch::isfinite(g).all().item<bool>());
  EXPECT_GT(g.abs().sum().item<double>(), 0.0);
  EXPECT_GT((g != 0).to(torch::kFloat32).mean().item<double>(), 0.5) << "gradient should reach most pixels";
  EXPECT_TRUE(landmark_net().parameters().empty()) << "weights are frozen buffers, invisible to optimisers";
}

TEST(FaceApiLandmarks, AnyBatchSizeAndBatchIndependence) {
  const std::vector<Face> faces = utk_faces(3);
  ASSERT_EQ(faces.size(), 3u);
  std::vector<torch::Tensor> crops;
  for (const Face& f : faces) crops.push_back(crop(f.rgb, square_around(f.box, kBoxScale, kBoxShift), 112));
  torch::NoGradGuard no_grad;
  const torch::Tensor batch = landmark_net().forward(torch::cat(crops));
  ASSERT_EQ(batch.sizes(), (std::vector<int64_t>{3, 68, 2}));
  for (size_t i = 0; i < crops.size(); ++i)
    EXPECT_TRUE(torch::allclose(landmark_net().forward(crops[i])[0], batch[int64_t(i)], 1e-4, 1e-3));
  EXPECT_EQ(landmark_net().forward(torch::zeros({0, 3, 112, 112})).sizes(), (std::vector<int64_t>{0, 68, 2}));
  EXPECT_THROW(landmark_net().forward(torch::zeros({1, 3, 100, 112})), Error);
  EXPECT_THROW(landmark_net().forward(torch::zeros({3, 112, 112})), Error);
  EXPECT_THROW(landmark_net().forward(torch::zeros({1, 3, 112, 112}, torch::kUInt8)), Error);
}

// ---- recognition ----------------------------------------------------------

TEST(FaceApiRecognition, SameFaceCloseDifferentPeopleFar) {
  const std::vector<Face> faces = utk_faces(40);
  ASSERT_GE(faces.size(), 30u);
  std::vector<torch::Tensor> a, b;
  for (const Face& f : faces) {
    const Square sq = aligned_square(f.lm);
    a.push_back(crop(f.rgb, sq, 150));
    // The same face cropped differently: 10 % wider about the same centre,
    // then moved right by 8 % of the aligned side.
    const float grow = 0.1f * sq.side;
    const Square moved{sq.x - grow / 2 + 0.08f * sq.side, sq.y - grow / 2, sq.side + grow};
    b.push_back(crop(f.rgb, moved, 150));
  }
  torch::NoGradGuard no_grad;
  const torch::Tensor da = recognition_net().forward(torch::cat(a));
  const torch::Tensor db = recognition_net().forward(torch::cat(b));
  ASSERT_EQ(da.sizes(), (std::vector<int64_t>{int64_t(faces.size()), 128}));
  ASSERT_TRUE(torch::isfinite(da).all().item<bool>());

  std::vector<double> same, different;
  for (int64_t i = 0; i < da.size(0); ++i) {
    same.push_back((da[i] - db[i]).norm().item<double>());
    for (int64_t j = i + 1; j < da.size(0); ++j) different.push_back((da[i] - da[j]).norm().item<double>());
  }
  const Stats s = stats(same), d = stats(different);
  const auto frac = [](const std::vector<double>& v, auto pred) {
    return double(std::count_if(v.begin(), v.end(), pred)) / double(v.size());
  };
  const double same_below = frac(same, [](double x) { return x < FaceRecognitionNet::kSameFaceDistance; });
  const double diff_above = frac(different, [](double x) { return x > FaceRecognitionNet::kSameFaceDistance; });
  std::printf("[recognition] same face, two crops (%zu): %s; < 0.6: %.1f %%\n", same.size(), describe(s).c_str(),
              100 * same_below);
  std::printf("[recognition] different people (%zu pairs): %s; > 0.6: %.1f %%\n", different.size(),
              describe(d).c_str(), 100 * diff_above);
  std::printf("[recognition] descriptor norm: mean %.3f\n", da.norm(2, 1).mean().item<double>());
  EXPECT_GT(same_below, 0.95);
  EXPECT_GT(diff_above, 0.80);
  EXPECT_LT(s.mean + 0.25, d.mean) << "same-face and different-face distances should be well separated";
}

TEST(FaceApiRecognition, FeaturesAreStagesAndDifferentiable) {
  const std::vector<Face> faces = utk_faces(1);
  ASSERT_EQ(faces.size(), 1u);
  torch::Tensor x = crop(faces[0].rgb, aligned_square(faces[0].lm), 150).requires_grad_(true);
  const std::vector<torch::Tensor> f = recognition_net().features(x);
  const std::vector<std::vector<int64_t>> shapes = {
      {1, 32, 35, 35}, {1, 64, 17, 17}, {1, 128, 8, 8}, {1, 256, 4, 4}, {1, 256, 2, 2}};
  ASSERT_EQ(f.size(), shapes.size());
  for (size_t i = 0; i < f.size(); ++i) EXPECT_EQ(f[i].sizes().vec(), shapes[i]) << "stage " << i;
  const torch::Tensor d = recognition_net().descriptor(f);
  {
    torch::NoGradGuard no_grad;
    EXPECT_TRUE(torch::allclose(d, recognition_net().forward(x), 1e-5, 1e-5));
  }
  (f[1].pow(2).mean() + d.pow(2).sum()).backward();
  ASSERT_TRUE(x.grad().defined());
  EXPECT_TRUE(torch::isfinite(x.grad()).all().item<bool>());
  EXPECT_GT(x.grad().abs().sum().item<double>(), 0.0);
  // Other sizes work for features (a perceptual loss at the trainer's size) ...
  EXPECT_EQ(recognition_net().features(torch::rand({2, 3, 128, 160}) * 255).size(), shapes.size());
  // ... but the descriptor only means something at 150×150.
  EXPECT_THROW(recognition_net().forward(torch::zeros({1, 3, 128, 128})), Error);
  EXPECT_THROW(recognition_net().features(torch::zeros({1, 3, 64, 64})), Error);
}

// ---- damaged weight files --------------------------------------------------

class DamagedWeights : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("faceapi-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    for (const char* f : {kLandmarkManifest, "face_landmark_68_model.bin"})
      std::filesystem::copy_file(model_dir() / f, dir_ / f, std::filesystem::copy_options::overwrite_existing);
    std::filesystem::permissions(dir_ / kLandmarkManifest, std::filesystem::perms::owner_write,
                                 std::filesystem::perm_options::add);
    std::filesystem::permissions(dir_ / "face_landmark_68_model.bin", std::filesystem::perms::owner_write,
                                 std::filesystem::perm_options::add);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path manifest() const { return dir_ / kLandmarkManifest; }
  std::filesystem::path bin() const { return dir_ / "face_landmark_68_model.bin"; }

  void edit_manifest(const std::string& from, const std::string& to) {
    std::ifstream in(manifest());
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const size_t at = text.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    text.replace(at, from.size(), to);
    std::ofstream(manifest(), std::ios::trunc) << text;
  }

  // The Error LandmarkNet throws for the current files ("" if none).
  std::string load_error() const {
    try {
      LandmarkNet net(manifest());
    } catch (const Error& e) {
      std::printf("[loader] %s\n", e.what());
      return e.what();
    }
    return "";
  }

  std::filesystem::path dir_;
};

TEST_F(DamagedWeights, IntactCopyLoads) { EXPECT_EQ(load_error(), ""); }

TEST_F(DamagedWeights, TruncatedBin) {
  std::filesystem::resize_file(bin(), std::filesystem::file_size(bin()) - 1000);
  const std::string e = load_error();
  EXPECT_NE(e.find("truncated"), std::string::npos) << e;
  EXPECT_NE(e.find("face_landmark_68_model.bin"), std::string::npos) << e;
}

TEST_F(DamagedWeights, MissingBin) {
  std::filesystem::remove(bin());
  EXPECT_NE(load_error().find("cannot open weights shard"), std::string::npos);
}

TEST_F(DamagedWeights, WrongShapeSameSize) {
  // Same element count, so the .bin still matches; only the layout is wrong.
  edit_manifest(R"("name":"dense0/conv0/filters","shape":[3,3,3,32])",
                R"("name":"dense0/conv0/filters","shape":[3,3,32,3])");
  const std::string e = load_error();
  EXPECT_NE(e.find("'dense0/conv0/filters' has shape [3, 3, 32, 3] but the network expects [3, 3, 3, 32]"),
            std::string::npos)
      << e;
}

TEST_F(DamagedWeights, WrongShapeOtherSize) {
  edit_manifest(R"("shape":[3,3,3,32])", R"("shape":[3,3,3,33])");
  EXPECT_NE(load_error().find("bytes but the manifest's tensors need"), std::string::npos);
}

TEST_F(DamagedWeights, MissingAndUnknownTensor) {
  edit_manifest(R"("name":"fc/bias")", R"("name":"fc/offset")");
  EXPECT_NE(load_error().find("tensor 'fc/bias' is missing"), std::string::npos);
  edit_manifest(R"("name":"fc/offset")", R"("name":"fc/bias")");
  // An extra tensor (with its 4 bytes) that the network does not know.
  edit_manifest(R"("name":"fc/bias")",
                R"("name":"extra","shape":[1],"dtype":"float32"},{"name":"fc/bias")");
  // extra now sits before fc/bias: insert its bytes at the right offset.
  std::ifstream in(bin(), std::ios::binary);
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  in.close();
  data.insert(data.size() - 136, std::string(4, '\0'));
  std::ofstream(bin(), std::ios::binary | std::ios::trunc) << data;
  EXPECT_NE(load_error().find("tensors unknown to LandmarkNet (face_landmark_68): extra"), std::string::npos);
}

TEST_F(DamagedWeights, MalformedJson) {
  std::filesystem::resize_file(manifest(), std::filesystem::file_size(manifest()) / 2);
  EXPECT_NE(load_error().find("JSON error"), std::string::npos);
  std::ofstream(manifest(), std::ios::trunc) << R"([{"paths":["face_landmark_68_model.bin"],"weights":[{"name":1}]}])";
  EXPECT_NE(load_error().find("should be a string"), std::string::npos);
  std::ofstream(manifest(), std::ios::trunc) << R"({"paths":[]})";
  EXPECT_NE(load_error().find("should be an array"), std::string::npos);
}

TEST_F(DamagedWeights, OtherNetworksManifest) {
  try {
    FaceRecognitionNet net(model_dir() / kLandmarkManifest);
    FAIL() << "loaded the landmark weights as a recognition net";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("is missing"), std::string::npos) << e.what();
  }
  EXPECT_THROW(load_face_api_weights(dir_ / "no-such-manifest.json"), Error);
}

}  // namespace
}  // namespace cartoonize::faceapi::test
