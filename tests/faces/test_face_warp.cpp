// The tensor face path (core/face_warp.h, Engine::cartoonize_device_faces)
// against the OpenCV one (warp_face, paste_back, the host pipeline
// cartoonize_faces_in_frame) on the shared photos, on CPU tensors: the
// same code runs on CUDA tensors in the element's CUDA-memory face mode
// (tools/gpu/gpu_check.cpp compares the two devices).
//
// Tolerances, in 8-bit levels: OpenCV's warpAffine samples at 1/32-pixel
// fixed-point positions and rounds each step to bytes, grid_sample samples
// exactly in float and the tensor path rounds once at the end, so sharp edges
// differ by a level or two; the means stay far below one level.
#include <gtest/gtest.h>

#include <cmath>

#include <opencv2/imgproc.hpp>

#include "align.h"
#include "engine.h"
#include "error.h"
#include "face_crops.h"
#include "face_test_data.h"
#include "face_warp.h"
#include "paste.h"
#include "tensor_image.h"

namespace cf = cartoonize::faces;
using cartoonize::Affine;
using cf::test::inverted;

namespace {

constexpr int kSize = 128;  // the default model's crop size
constexpr float kMargin = 0.1f, kGrow = 0.08f, kFeather = 0.12f;

struct Photo {
  cv::Mat rgb;
  std::vector<cf::Landmarks> faces;
};

const std::vector<Photo>& photos() {
  static const std::vector<Photo> all = [] {
    std::vector<Photo> out;
    for (const auto& file : cf::test::sample_photos()) {
      Photo p{cf::test::load_rgb(file), {}};
      for (const auto& box : cf::test::detector().detect(p.rgb, 0))
        p.faces.push_back(cf::test::detector().landmarks(p.rgb, box));
      out.push_back(std::move(p));
    }
    return out;
  }();
  return all;
}

torch::Tensor as_tensor(const cv::Mat& rgb) {  // 1 x 3 x H x W float [0, 255]
  return cartoonize::packed_to_rgb(
      {rgb.data, rgb.cols, rgb.rows, std::ptrdiff_t(rgb.step[0]), cartoonize::PixelLayout::RGB});
}

cv::Mat as_mat(const torch::Tensor& chw) {  // 3 x H x W float -> CV_8UC3
  const torch::Tensor hwc = chw.round().clamp(0, 255).to(torch::kUInt8).permute({1, 2, 0}).contiguous();
  return cv::Mat(int(hwc.size(0)), int(hwc.size(1)), CV_8UC3, hwc.data_ptr()).clone();
}

struct Diff {
  double mean, max;
};
Diff diff(const cv::Mat& a, const cv::Mat& b) {
  cv::Mat d;
  cv::absdiff(a, b, d);
  double worst;
  cv::minMaxLoc(d.reshape(1), nullptr, &worst);
  return {cv::mean(d.reshape(1))[0], worst};
}

// The face shifted by `cut`'s origin: the frame -> crop matrix of a cut frame.
cv::Matx23f shifted(const cv::Matx23f& M, cv::Point origin) {
  cv::Matx23f out = M;
  out(0, 2) += M(0, 0) * origin.x + M(0, 1) * origin.y;
  out(1, 2) += M(1, 0) * origin.x + M(1, 1) * origin.y;
  return out;
}

// Frames cut through the middle of a face (it hangs over each border in
// turn) at odd sizes, plus the whole photo.
std::vector<cv::Rect> cuts_through(const cv::Mat& rgb, const cf::Landmarks& lm) {
  const int nx = int(lm[cf::lm::kNoseTip].x), ny = int(lm[cf::lm::kNoseTip].y), W = rgb.cols, H = rgb.rows;
  std::vector<cv::Rect> cuts = {cv::Rect(0, 0, W, H), cv::Rect(nx, 0, W - nx, H), cv::Rect(0, 0, nx, H),
                                cv::Rect(0, ny, W, H - ny), cv::Rect(0, 0, W, ny)};
  for (auto& c : cuts) {  // odd widths and heights
    c.width -= 1 - c.width % 2;
    c.height -= 1 - c.height % 2;
  }
  return cuts;
}

// Warp and paste, OpenCV and tensors, on one frame and its faces' matrices.
struct Compared {
  Diff crops{0, 0}, paste{0, 0};
  bool outside_untouched = true;  // pixels outside every paste region bit-identical
};
Compared compare_paths(const cv::Mat& frame, const std::vector<cf::Landmarks>& lms, const cv::Point& origin,
                       const std::vector<float>& alpha) {
  std::vector<cv::Matx23f> ms;
  std::vector<Affine> affines;
  std::vector<cv::Mat> masks;
  for (const auto& lm : lms) {
    const cv::Matx23f M = cf::alignment_transform(lm, kSize, kMargin);
    masks.push_back(cf::face_mask(cf::transform_landmarks(M, lm), kSize, kGrow, kFeather));
    ms.push_back(shifted(M, origin));
    affines.push_back(cf::to_affine(ms.back()));
  }
  Compared out;
  torch::Tensor frame_t = as_tensor(frame);
  const torch::Tensor crops_t = cartoonize::warp_crops(frame_t, affines, kSize);
  EXPECT_EQ(crops_t.sizes(), (std::vector<int64_t>{int64_t(ms.size()), 3, kSize, kSize}));

  cv::Mat reference = frame.clone();
  std::vector<torch::Tensor> cartoons, mask_ts;
  cv::Mat touched(frame.size(), CV_8UC1, cv::Scalar(0));
  for (size_t i = 0; i < ms.size(); ++i) {
    const cv::Mat crop_cv = cf::warp_face(frame, ms[i], kSize);
    const Diff d = diff(as_mat(crops_t[int64_t(i)]), crop_cv);
    out.crops = {std::max(out.crops.mean, d.mean), std::max(out.crops.max, d.max)};
    const cv::Mat cartoon = inverted(crop_cv);  // the same bytes into both pastes
    cf::paste_back(reference, cartoon, masks[i], ms[i], alpha[i]);
    cartoons.push_back(as_tensor(cartoon));
    mask_ts.push_back(torch::from_blob(masks[i].data, {1, 1, kSize, kSize}, torch::kFloat).clone());
    touched(cf::paste_region(ms[i], cv::Size(kSize, kSize), frame.size())).setTo(255);
  }
  cartoonize::paste_crops(frame_t, torch::cat(cartoons), torch::cat(mask_ts), affines, alpha);
  const cv::Mat pasted = as_mat(frame_t[0]);
  out.paste = diff(pasted, reference);
  cv::Mat changed;
  cv::absdiff(pasted, frame, changed);
  cv::cvtColor(changed, changed, cv::COLOR_RGB2GRAY);
  changed.setTo(0, touched);
  out.outside_untouched = cv::countNonZero(changed) == 0;
  return out;
}

}  // namespace

TEST(FaceWarp, MatchesTheOpenCvPathOnEveryPhotoFace) {
  int faces = 0;
  for (const auto& p : photos()) {
    if (p.faces.empty()) continue;
    faces += int(p.faces.size());
    std::vector<float> alpha;
    for (size_t i = 0; i < p.faces.size(); ++i) alpha.push_back(1.f - 0.25f * float(i % 3));  // 1, 0.75, 0.5
    const Compared c = compare_paths(p.rgb, p.faces, {0, 0}, alpha);
    std::printf("%dx%d, %zu faces: crops mean %.3f max %.0f, paste mean %.4f max %.0f levels\n", p.rgb.cols,
                p.rgb.rows, p.faces.size(), c.crops.mean, c.crops.max, c.paste.mean, c.paste.max);
    EXPECT_LT(c.crops.mean, 0.25);
    EXPECT_LE(c.crops.max, 3);
    EXPECT_LT(c.paste.mean, 0.05);
    EXPECT_LE(c.paste.max, 3);
    EXPECT_TRUE(c.outside_untouched);
  }
  EXPECT_GE(faces, 4);  // sample1 alone shows 3
}

TEST(FaceWarp, FacesCutByTheBorderAtOddFrameSizes) {
  const Photo& p = photos()[1];  // sample2: one face
  ASSERT_EQ(p.faces.size(), 1u);
  for (const cv::Rect& cut : cuts_through(p.rgb, p.faces[0])) {
    SCOPED_TRACE(::testing::PrintToString(cut));
    ASSERT_EQ(cut.width % 2 + cut.height % 2, 2);
    const cv::Mat frame = p.rgb(cut).clone();
    const Compared c = compare_paths(frame, p.faces, cut.tl(), {0.8f});
    std::printf("cut %dx%d at (%d,%d): crops mean %.3f max %.0f, paste mean %.4f max %.0f levels\n", cut.width,
                cut.height, cut.x, cut.y, c.crops.mean, c.crops.max, c.paste.mean, c.paste.max);
    // The crop's replicated border (the face hangs over the edge) included.
    EXPECT_LT(c.crops.mean, 0.25);
    EXPECT_LE(c.crops.max, 3);
    EXPECT_LT(c.paste.mean, 0.05);
    EXPECT_LE(c.paste.max, 3);
    EXPECT_TRUE(c.outside_untouched);
  }
}

TEST(FaceWarp, TheComparisonHasTeeth) {
  // Half a crop pixel off in the tensor path only must show.
  const Photo& p = photos()[1];
  const cv::Matx23f M = cf::alignment_transform(p.faces[0], kSize, kMargin);
  Affine off = cf::to_affine(M);
  off[2] += 0.5f;
  const cv::Mat want = cf::warp_face(p.rgb, M, kSize);
  const Diff d = diff(as_mat(cartoonize::warp_crops(as_tensor(p.rgb), {off}, kSize)[0]), want);
  std::printf("half a pixel off: mean %.3f max %.0f levels\n", d.mean, d.max);
  EXPECT_GT(d.mean, 1.0);
}

TEST(FaceWarp, NothingToDoAndFacesOutsideTheFrame) {
  const Photo& p = photos()[1];
  const torch::Tensor original = as_tensor(p.rgb);
  EXPECT_EQ(cartoonize::warp_crops(original, {}, kSize).size(0), 0);
  const cv::Matx23f M = cf::alignment_transform(p.faces[0], kSize, kMargin);
  const torch::Tensor crops = torch::full({3, 3, kSize, kSize}, 7.f), masks = torch::ones({3, 1, kSize, kSize});
  torch::Tensor frame = original.clone();
  // Far off the frame, a zero weight, a negative one: the frame stays as it was.
  cartoonize::paste_crops(frame, crops, masks,
                          {cf::to_affine(shifted(M, {100000, 0})), cf::to_affine(M), cf::to_affine(M)},
                          {1.f, 0.f, -1.f});
  EXPECT_TRUE(torch::equal(frame, original));
  cartoonize::paste_crops(frame, crops.narrow(0, 0, 0), masks.narrow(0, 0, 0), {}, {});
  EXPECT_TRUE(torch::equal(frame, original));
  // A crop of a face outside the frame is its nearest border pixels, no crash.
  EXPECT_EQ(cartoonize::warp_crops(original, {cf::to_affine(shifted(M, {-100000, 0}))}, kSize).size(0), 1);
}

TEST(FaceWarp, BadInputIsAnError) {
  const torch::Tensor frame = torch::zeros({1, 3, 20, 30});
  const Affine id{1, 0, 0, 0, 1, 0};
  Affine nan_m = id;
  nan_m[0] = std::nanf("");
  EXPECT_THROW(cartoonize::warp_crops(frame, {nan_m}, 8), cartoonize::Error);
  EXPECT_THROW(cartoonize::warp_crops(frame, {id}, 0), cartoonize::Error);
  EXPECT_THROW(cartoonize::warp_crops(torch::zeros({3, 20, 30}), {id}, 8), cartoonize::Error);
  EXPECT_THROW(cartoonize::warp_crops(torch::zeros({1, 3, 20, 30}, torch::kUInt8), {id}, 8), cartoonize::Error);
  torch::Tensor f = frame.clone();
  const torch::Tensor crops = torch::zeros({1, 3, 8, 8}), masks = torch::ones({1, 1, 8, 8});
  EXPECT_THROW(cartoonize::paste_crops(f, crops, masks, {id, id}, {1.f, 1.f}), cartoonize::Error);
  EXPECT_THROW(cartoonize::paste_crops(f, crops, masks, {id}, {}), cartoonize::Error);
  EXPECT_THROW(cartoonize::paste_crops(f, torch::zeros({1, 4, 8, 8}), masks, {id}, {1.f}), cartoonize::Error);
  EXPECT_THROW(cartoonize::paste_crops(f, crops, torch::ones({1, 1, 8, 9}), {id}, {1.f}), cartoonize::Error);
  EXPECT_THROW(cartoonize::paste_crops(f, crops, masks, {nan_m}, {1.f}), cartoonize::Error);
  EXPECT_TRUE(torch::equal(f, frame));
}

// The Engine's device face path on a CPU engine (host memory is its device
// memory) against the element's host path, generator included.
namespace {

std::unique_ptr<cartoonize::Engine> cpu_engine() {
  // The reference model (ink): the rounding bounds below were measured on it.
  const char* model = std::getenv("CARTOONIZE_REFERENCE_MODEL");
  cartoonize::EngineOptions o;
  o.model_path = model && *model ? model : "models/styles/ink.ctzm";
  o.device = cartoonize::DeviceChoice::Cpu;
  o.inference_size = 256;
  return cartoonize::Engine::create(o);
}

std::vector<cf::TrackedFace> tracked(const Photo& p) {
  std::vector<cf::TrackedFace> out;
  for (size_t i = 0; i < p.faces.size(); ++i)
    out.push_back({int(i), cv::Rect(), p.faces[i], p.faces[i], i == 1 ? 0.5f : 1.f});
  return out;
}

cv::Mat with_layout(const cv::Mat& rgb, cartoonize::PixelLayout layout) {
  cv::Mat out;
  if (layout == cartoonize::PixelLayout::BGRx) {
    cv::cvtColor(rgb, out, cv::COLOR_RGB2BGRA);
    out.forEach<cv::Vec4b>([](cv::Vec4b& px, const int* pos) { px[3] = uint8_t(pos[1] * 7); });  // must survive
  } else {
    out = rgb.clone();
  }
  return out;
}

cartoonize::ImageView view_of(cv::Mat& m, cartoonize::PixelLayout layout) {
  return {m.data, m.cols, m.rows, std::ptrdiff_t(m.step[0]), layout};
}

}  // namespace

TEST(DeviceFaces, CpuEngineMatchesTheHostFacePath) {
  auto engine = cpu_engine();
  cf::FaceStyle style;
  style.margin = kMargin;
  for (const int photo : {0, 1}) {  // sample1 (3 faces, one half present), sample2 (one face)
    const Photo& p = photos()[size_t(photo)];
    const auto faces = tracked(p);
    ASSERT_FALSE(faces.empty());
    for (const auto layout : {cartoonize::PixelLayout::RGB, cartoonize::PixelLayout::BGRx}) {
      for (const float frame_strength : {0.f, 0.7f}) {  // mode=face, mode=both
        SCOPED_TRACE(std::to_string(photo) + " " + cartoonize::layout_name(layout) + " frame " +
                     std::to_string(frame_strength));
        cv::Mat host = with_layout(p.rgb, layout), device = host.clone();
        const cv::Mat original = host.clone();
        // The element's host path.
        cf::cartoonize_faces_in_frame(*engine, view_of(host, layout), faces, {style, 0.9f, frame_strength, {}});
        cf::cartoonize_faces_in_device_frame(*engine, view_of(device, layout), faces, style, 0.9f, frame_strength);

        const Diff d = diff(device, host);
        cv::Mat changed;
        cv::absdiff(host, original, changed);
        const double changed_mean = cv::mean(changed.reshape(1))[0];
        std::printf("sample%d %s frame %.1f: tensor vs OpenCV face path mean %.3f max %.0f levels "
                    "(the path changed the frame by %.2f on average)\n",
                    photo + 1, cartoonize::layout_name(layout), frame_strength, d.mean, d.max, changed_mean);
        EXPECT_GT(changed_mean, 5 * d.mean);  // the faces really were pasted
        EXPECT_LT(d.mean, 0.05);
        EXPECT_LE(d.max, 6);  // the generator may amplify the crops' rounding a little
        if (layout == cartoonize::PixelLayout::BGRx) {
          std::vector<cv::Mat> a, b;
          cv::split(device, a);
          cv::split(original, b);
          EXPECT_EQ(cv::countNonZero(a[3] != b[3]), 0) << "the x byte changed";
        }
      }
    }
  }
}

TEST(DeviceFaces, NothingToDoAndBadInput) {
  auto engine = cpu_engine();
  const Photo& p = photos()[1];
  cv::Mat frame = p.rgb.clone();
  const auto view = view_of(frame, cartoonize::PixelLayout::RGB);
  const int size = engine->model_info().input_size;
  engine->cartoonize_device_faces(view, {}, size, 0.f);
  EXPECT_EQ(cf::test::count_differing(frame, p.rgb, 0), 0);
  const cv::Mat mask(size, size, CV_32FC1, cv::Scalar(1));
  const Affine far = cf::to_affine(shifted(cf::alignment_transform(p.faces[0], size, kMargin), {100000, 0}));
  engine->cartoonize_device_faces(view, {{far, mask.ptr<float>(), 1.f}}, size, 0.f);  // outside the frame
  EXPECT_EQ(cf::test::count_differing(frame, p.rgb, 0), 0);
  EXPECT_THROW(engine->cartoonize_device_faces(view, {{far, nullptr, 1.f}}, size, 0.f), cartoonize::Error);
  EXPECT_THROW(engine->cartoonize_device_faces(view, {{far, mask.ptr<float>(), 1.f}}, 2, 0.f), cartoonize::Error);
  cartoonize::ImageView bad = view;
  bad.stride = 3;
  EXPECT_THROW(engine->cartoonize_device_faces(bad, {}, size, 0.5f), cartoonize::Error);
  Affine nan_m = far;
  nan_m[1] = std::nanf("");
  EXPECT_THROW(engine->cartoonize_device_faces(view, {{nan_m, mask.ptr<float>(), 1.f}}, size, 0.f),
               cartoonize::Error);
  EXPECT_EQ(cf::test::count_differing(frame, p.rgb, 0), 0);
}

// What keeping the cartoon crops in float changed on real photos: the host
// face pipeline against the path as it was before, where the generator's
// crops were rounded to bytes, then warped and blended as bytes.
TEST(HostFaces, FloatCartoonsAgainstTheFormerByteRoundTrip) {
  auto engine = cpu_engine();
  const int size = engine->model_info().input_size;
  cf::FaceStyle style;
  style.margin = kMargin;
  for (const int photo : {0, 1}) {
    const Photo& p = photos()[size_t(photo)];
    const auto faces = tracked(p);
    cv::Mat now = p.rgb.clone(), before = p.rgb.clone();
    cf::cartoonize_faces_in_frame(*engine, view_of(now, cartoonize::PixelLayout::RGB), faces, {style, 1.f, 0.f, {}});
    auto crops = cf::extract_faces(before, faces, size, style);
    std::vector<cartoonize::ImageView> views;
    for (auto& c : crops) views.push_back(view_of(c.crop, cartoonize::PixelLayout::RGB));
    engine->cartoonize_batch(views);  // the bytes the former path pasted
    for (const auto& c : crops) cf::paste_back(before, c.crop, c.mask, c.M, c.presence);

    cv::Mat region(p.rgb.size(), CV_8UC1, cv::Scalar(0));
    for (const auto& c : crops) region(cf::paste_region(c.M, cv::Size(size, size), p.rgb.size())).setTo(255);
    cv::Mat in_now, in_before;
    now.copyTo(in_now, region);
    before.copyTo(in_before, region);
    const double pixels = cv::countNonZero(region);
    const double mse = cv::norm(in_now, in_before, cv::NORM_L2SQR) / (3 * pixels);
    const double psnr = 10 * std::log10(255.0 * 255.0 / std::max(mse, 1e-12));
    const Diff d = diff(now, before);
    const int changed = cf::test::count_differing(now, before, 0);
    std::printf("sample%d: float vs former byte cartoons over the faces' regions (%.0f px): PSNR %.1f dB, "
                "%d pixels differ, max %.0f levels, whole frame PSNR %.1f dB\n",
                photo + 1, pixels, psnr, changed, d.max, cv::PSNR(now, before));
    EXPECT_GT(changed, 0);  // the round trip is gone
    EXPECT_LE(d.max, 2);
    EXPECT_GT(psnr, 45.0);
  }
}

// min_crop: a face whose 128-px crop would cover fewer frame pixels is
// cropped at its own size (no upscaled pixels), crops of one size share a
// generator call, and the pasted cartoon stays close to the 128-px one.
TEST(CropSize, SmallFacesAreCroppedAtTheirOwnSize) {
  EXPECT_EQ(cf::crop_size_for(200.f, 128, 64), 128);
  EXPECT_EQ(cf::crop_size_for(128.f, 128, 64), 128);
  EXPECT_EQ(cf::crop_size_for(100.f, 128, 64), 100);
  EXPECT_EQ(cf::crop_size_for(100.2f, 128, 64), 104);
  EXPECT_EQ(cf::crop_size_for(30.f, 128, 64), 64);
  EXPECT_EQ(cf::crop_size_for(30.f, 128, 0), 128);
  EXPECT_EQ(cf::crop_size_for(30.f, 48, 64), 48);  // never above the model's size

  auto engine = cpu_engine();
  const int size = engine->model_info().input_size;
  const Photo& p = photos()[1];  // sample2: one face
  // The frame scaled so that the face's 128-px crop covers 80 frame pixels.
  const cv::Matx23f M = cf::alignment_transform(p.faces[0], size, kMargin);
  const double span = size / double(cf::similarity_scale(M));
  const double f = 80.0 / span;
  cv::Mat small;
  cv::resize(p.rgb, small, cv::Size(), f, f, cv::INTER_AREA);
  cf::Landmarks lm = p.faces[0];
  for (auto& pt : lm) pt = (pt + cv::Point2f(0.5f, 0.5f)) * float(f) - cv::Point2f(0.5f, 0.5f);
  const std::vector<cf::TrackedFace> faces{{0, cv::Rect(), lm, lm, 1.f}};
  cf::FaceStyle own, fixed;
  own.margin = fixed.margin = kMargin;
  own.min_crop = 64;
  const auto crops = cf::extract_faces(small, faces, size, own);
  ASSERT_EQ(crops.size(), 1u);
  std::printf("face crop span %.1f px in a %dx%d frame: cropped at %d px\n", span * f, small.cols, small.rows,
              crops[0].crop.rows);
  EXPECT_GE(crops[0].crop.rows, 80);
  EXPECT_LE(crops[0].crop.rows, 84);
  EXPECT_EQ(crops[0].crop.rows % 4, 0);
  EXPECT_EQ(crops[0].mask.size(), crops[0].crop.size());
  EXPECT_EQ(cf::extract_faces(p.rgb, {{0, cv::Rect(), p.faces[0], p.faces[0], 1.f}}, size, own)[0].crop.rows, size)
      << "a large face stays at the model's size";

  // End to end: close to the 128-px crop's cartoon over the face.
  cv::Mat at_own = small.clone(), at_model = small.clone();
  cf::cartoonize_faces_in_frame(*engine, view_of(at_own, cartoonize::PixelLayout::RGB), faces, {own, 1.f, 0.f, {}});
  cf::cartoonize_faces_in_frame(*engine, view_of(at_model, cartoonize::PixelLayout::RGB), faces, {fixed, 1.f, 0.f, {}});
  const cv::Rect region = cf::paste_region(crops[0].M, crops[0].crop.size(), small.size());
  const double mse = cv::norm(at_own(region), at_model(region), cv::NORM_L2SQR) / (3.0 * region.area());
  const double changed = cv::norm(at_model(region), small(region), cv::NORM_L2SQR) / (3.0 * region.area());
  const double psnr = 10 * std::log10(255.0 * 255.0 / std::max(mse, 1e-12));
  const double psnr_photo = 10 * std::log10(255.0 * 255.0 / std::max(changed, 1e-12));
  std::printf("own-size against 128-px cartoon over the face: PSNR %.2f dB (the photo itself: %.2f dB)\n", psnr,
              psnr_photo);
  EXPECT_GT(psnr, 28.0);
  EXPECT_GT(psnr, psnr_photo + 2.0);  // closer to the cartoon than the photo is (ink: 36.8 vs 32.4 dB)

  // Crops of two sizes in one call: each as if cartoonized alone.
  auto mixed = crops;
  const auto large = cf::extract_faces(p.rgb, {{1, cv::Rect(), p.faces[0], p.faces[0], 1.f}}, size, own);
  mixed.push_back(large[0]);
  cf::cartoonize_crops(mixed, *engine, cartoonize::PixelLayout::RGB);
  auto alone_small = crops, alone_large = large;
  cf::cartoonize_crops(alone_small, *engine, cartoonize::PixelLayout::RGB);
  cf::cartoonize_crops(alone_large, *engine, cartoonize::PixelLayout::RGB);
  EXPECT_LT(cv::norm(mixed[0].cartoon, alone_small[0].cartoon, cv::NORM_INF), 0.5);
  EXPECT_LT(cv::norm(mixed[1].cartoon, alone_large[0].cartoon, cv::NORM_INF), 0.5);
}
