// Paste-back on real photos: an unchanged crop pastes back invisibly, a
// changed one touches only the masked face, faces cut by the frame border and
// RGBx frames work.
#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include "align.h"
#include "error.h"
#include "face_test_data.h"
#include "paste.h"

namespace cf = cartoonize::faces;
using cf::test::count_differing;
using cf::test::inverted;
using cf::test::detector;

namespace {

constexpr int kSize = 256;
constexpr float kMargin = 0.3f, kGrow = 0.08f, kFeather = 0.12f;

struct Face {
  cv::Mat rgb;
  cf::Landmarks lm;
};

Face one_face() {
  const cv::Mat rgb = cf::test::load_rgb(cf::test::sample_photos()[1]);
  const auto boxes = detector().detect(rgb, 0);
  if (boxes.size() != 1) throw std::runtime_error("sample2 should show one face");
  return {rgb, detector().landmarks(rgb, boxes[0])};
}

// The mask warped to the whole frame, computed here independently of paste_back.
cv::Mat mask_in_frame(const cv::Mat& mask, const cv::Matx23f& M, cv::Size frame) {
  cv::Mat out;
  cv::warpAffine(mask, out, cv::Mat(M), frame, cv::INTER_LINEAR | cv::WARP_INVERSE_MAP, cv::BORDER_CONSTANT, 0);
  return out;
}

}  // namespace

TEST(Paste, MaskIsZeroOnTheCropBorderAndGrowsWithGrow) {
  const Face f = one_face();
  const cv::Matx23f M = cf::alignment_transform(f.lm, kSize, kMargin);
  const cf::Landmarks in_crop = cf::transform_landmarks(M, f.lm);
  const cv::Mat mask = cf::face_mask(in_crop, kSize, kGrow, kFeather);
  ASSERT_EQ(mask.type(), CV_32FC1);
  double lo, hi;
  cv::minMaxLoc(mask, &lo, &hi);
  EXPECT_EQ(lo, 0.0);
  EXPECT_EQ(hi, 1.0);
  const cv::Rect inner(1, 1, kSize - 2, kSize - 2);
  cv::Mat border = mask.clone();
  border(inner).setTo(0);
  EXPECT_EQ(cv::countNonZero(border), 0);
  // Covers the eyes, nose and mouth fully; raised brows reach the forehead.
  for (const auto& p : cf::five_points(in_crop)) EXPECT_EQ(mask.at<float>(cv::Point(p)), 1.f) << p;
  const cv::Point2f above_brows = cf::mean_point(in_crop, 17, 26) + cv::Point2f(0, -8);
  EXPECT_GT(mask.at<float>(cv::Point(above_brows)), 0.f);
  const int area = cv::countNonZero(mask);
  const int grown = cv::countNonZero(cf::face_mask(in_crop, kSize, kGrow * 2, kFeather));
  EXPECT_GT(grown, area);
}

TEST(Paste, UnchangedCropWithIntegerShiftIsExact) {
  const Face f = one_face();
  // Pure integer translation: the crop is a copy, so paste-back must restore
  // every pixel exactly (mask, blend and rounding add nothing).
  const cv::Point2f c = cf::mean_point(f.lm, 0, 67);
  const cv::Matx23f M(1, 0, std::round(kSize / 2.f - c.x), 0, 1, std::round(kSize / 2.f - c.y));
  const cv::Mat mask = cf::face_mask(cf::transform_landmarks(M, f.lm), kSize, kGrow, kFeather);
  cv::Mat frame = f.rgb.clone();
  cf::paste_back(frame, cf::warp_face(f.rgb, M, kSize), mask, M, 1.f);
  EXPECT_EQ(count_differing(frame, f.rgb, 0), 0);
}

TEST(Paste, UnchangedAlignedCropPastesBackWithinOneLevel) {
  const Face f = one_face();
  const cv::Matx23f M = cf::alignment_transform(f.lm, kSize, kMargin);
  const cv::Mat mask = cf::face_mask(cf::transform_landmarks(M, f.lm), kSize, kGrow, kFeather);

  // Bilinear resampling there and back blurs detail no matter how exact the
  // geometry is, so exactness is checked on the photo low-passed below the
  // resampling's resolution: any half-pixel or scale error still shows up as
  // a difference on its gradients, and any seam as a step. (σ = 6: at σ = 4,
  // 24 pixels were off by 2, from OpenCV's 1/32-px fixed-point warps.)
  cv::Mat smooth;
  cv::GaussianBlur(f.rgb, smooth, cv::Size(), 6.0);
  cv::Mat frame = smooth.clone();
  cf::paste_back(frame, cf::warp_face(smooth, M, kSize), mask, M, 1.f);
  const int off = count_differing(frame, smooth, 1);
  cv::Mat diff;
  cv::absdiff(frame, smooth, diff);
  double worst;
  cv::minMaxLoc(diff.reshape(1), nullptr, &worst);
  std::printf("identity paste on low-passed photo: worst %.0f levels, %d pixels off by > 1\n", worst, off);
  EXPECT_EQ(off, 0);

  // The check has teeth: the same paste through a transform half a crop pixel off.
  cv::Matx23f M_off = M;
  M_off(0, 2) += 0.5f;
  frame = smooth.clone();
  cf::paste_back(frame, cf::warp_face(smooth, M, kSize), mask, M_off, 1.f);
  const int off_shifted = count_differing(frame, smooth, 1);
  std::printf("same paste half a crop pixel off: %d pixels off by > 1\n", off_shifted);
  EXPECT_GT(off_shifted, 1000);

  // On the raw photo: report the resampling blur, bounded to be small on average.
  frame = f.rgb.clone();
  cf::paste_back(frame, cf::warp_face(f.rgb, M, kSize), mask, M, 1.f);
  const cv::Mat m = mask_in_frame(mask, M, frame.size()) > 0;
  cv::absdiff(frame, f.rgb, diff);
  const double mean_in_mask = cv::mean(diff, m)[0];
  std::printf("identity paste on raw photo: mean |diff| %.2f levels inside the mask\n", mean_in_mask);
  EXPECT_LT(mean_in_mask, 3.0);
}

TEST(Paste, ChangedCropTouchesOnlyTheMask) {
  const Face f = one_face();
  const cv::Matx23f M = cf::alignment_transform(f.lm, kSize, kMargin);
  const cv::Mat mask = cf::face_mask(cf::transform_landmarks(M, f.lm), kSize, kGrow, kFeather);
  cv::Mat frame = f.rgb.clone();
  cf::paste_back(frame, inverted(cf::warp_face(f.rgb, M, kSize)), mask, M, 1.f);

  const cv::Mat warped = mask_in_frame(mask, M, frame.size());
  const cv::Mat outside = warped == 0, deep = warped >= 1.f;
  cv::Mat diff;
  cv::absdiff(frame, f.rgb, diff);
  cv::Mat any_change;
  cv::cvtColor(diff, any_change, cv::COLOR_RGB2GRAY);
  EXPECT_EQ(cv::countNonZero(any_change & outside), 0) << "pixels outside the mask changed";
  // Where the mask is 1 the frame shows the (inverted) crop.
  const cv::Mat expected_inside = inverted(f.rgb);
  cv::Mat d_inside;
  cv::absdiff(frame, expected_inside, d_inside);
  ASSERT_GT(cv::countNonZero(deep), 5000);
  EXPECT_LT(cv::mean(d_inside, deep)[0], 4.0);
  // And all changes stay in paste_region.
  const cv::Rect region = cf::paste_region(M, mask.size(), frame.size());
  any_change(region).setTo(0);
  EXPECT_EQ(cv::countNonZero(any_change), 0);
}

TEST(Paste, FaceCutByTheFrameBorder) {
  const Face f = one_face();
  const cv::Matx23f M = cf::alignment_transform(f.lm, kSize, kMargin);
  const cv::Mat mask = cf::face_mask(cf::transform_landmarks(M, f.lm), kSize, kGrow, kFeather);
  const cv::Mat cartoon = inverted(cf::warp_face(f.rgb, M, kSize));
  cv::Mat reference = f.rgb.clone();
  cf::paste_back(reference, cartoon, mask, M, 0.8f);

  // Cut the frame through the middle of the face, left, right, top and bottom.
  const cv::Point2f nose = f.lm[30];
  const int nx = int(nose.x), ny = int(nose.y), W = f.rgb.cols, H = f.rgb.rows;
  for (const cv::Rect cut : {cv::Rect(nx, 0, W - nx, H), cv::Rect(0, 0, nx, H), cv::Rect(0, ny, W, H - ny),
                             cv::Rect(0, 0, W, ny)}) {
    SCOPED_TRACE(::testing::PrintToString(cut));
    cv::Mat frame = f.rgb(cut).clone();
    cv::Matx23f Mc = M;  // frame → crop for the cut frame
    Mc(0, 2) += M(0, 0) * cut.x + M(0, 1) * cut.y;
    Mc(1, 2) += M(1, 0) * cut.x + M(1, 1) * cut.y;
    ASSERT_NO_THROW(cf::paste_back(frame, cartoon, mask, Mc, 0.8f));
    EXPECT_EQ(frame.size(), cut.size());
    // Same as pasting in the whole frame, up to OpenCV's 1/32-px fixed-point
    // sampling positions, which depend on the region's origin: on sharp edges
    // of the inverted photo that moves a handful of pixels by a level or two.
    const cv::Rect region = cf::paste_region(Mc, mask.size(), frame.size());
    const int off = count_differing(frame, reference(cut), 1);
    cv::Mat diff;
    cv::absdiff(frame, reference(cut), diff);
    double worst;
    cv::minMaxLoc(diff.reshape(1), nullptr, &worst);
    std::printf("cut %dx%d at (%d,%d): %d of %d pixels off by > 1 (worst %.0f) vs pasting in the whole frame\n",
                cut.width, cut.height, cut.x, cut.y, off, region.area(), worst);
    EXPECT_LE(off, region.area() / 2000);
    EXPECT_LE(worst, 3.0);
  }
  // A crop entirely outside the frame is a no-op.
  cv::Matx23f far = M;
  far(0, 2) += 1e5f;
  cv::Mat frame = f.rgb.clone();
  ASSERT_NO_THROW(cf::paste_back(frame, cartoon, mask, far, 1.f));
  EXPECT_EQ(count_differing(frame, f.rgb, 0), 0);
}

TEST(Paste, RgbxFrameKeepsItsFourthChannel) {
  const Face f = one_face();
  const cv::Matx23f M = cf::alignment_transform(f.lm, kSize, kMargin);
  const cv::Mat mask = cf::face_mask(cf::transform_landmarks(M, f.lm), kSize, kGrow, kFeather);
  const cv::Mat cartoon = inverted(cf::warp_face(f.rgb, M, kSize));

  cv::Mat x(f.rgb.size(), CV_8UC1);
  cv::randu(x, 0, 256);  // padding byte with arbitrary content
  cv::Mat rgbx;
  cv::merge(std::vector<cv::Mat>{f.rgb, x}, rgbx);
  cf::paste_back(rgbx, cartoon, mask, M, 0.7f);
  cv::Mat rgb3 = f.rgb.clone();
  cf::paste_back(rgb3, cartoon, mask, M, 0.7f);

  std::vector<cv::Mat> ch;
  cv::split(rgbx, ch);
  EXPECT_EQ(cv::countNonZero(ch[3] != x), 0);
  cv::Mat colour;
  cv::merge(std::vector<cv::Mat>{ch[0], ch[1], ch[2]}, colour);
  EXPECT_EQ(count_differing(colour, rgb3, 0), 0);
  EXPECT_GT(count_differing(rgb3, f.rgb, 0), 1000);
}

TEST(Paste, AlphaZeroChangesNothingAndAlphaScalesTheChange) {
  const Face f = one_face();
  const cv::Matx23f M = cf::alignment_transform(f.lm, kSize, kMargin);
  const cv::Mat mask = cf::face_mask(cf::transform_landmarks(M, f.lm), kSize, kGrow, kFeather);
  const cv::Mat cartoon = inverted(cf::warp_face(f.rgb, M, kSize));
  cv::Mat frame = f.rgb.clone();
  cf::paste_back(frame, cartoon, mask, M, 0.f);
  EXPECT_EQ(count_differing(frame, f.rgb, 0), 0);
  cv::Mat half = f.rgb.clone(), full = f.rgb.clone();
  cf::paste_back(half, cartoon, mask, M, 0.5f);
  cf::paste_back(full, cartoon, mask, M, 1.f);
  cv::Mat dh, df;
  cv::absdiff(half, f.rgb, dh);
  cv::absdiff(full, f.rgb, df);
  EXPECT_NEAR(cv::sum(dh.reshape(1))[0] / cv::sum(df.reshape(1))[0], 0.5, 0.02);
}

// A generator's cartoon pasted as floats (CV_32FC3, rounded only by the
// blend) lands where the same cartoon as bytes does: the two differ only by
// OpenCV's fixed-point 8-bit interpolation; the frame outside stays untouched.
TEST(Paste, FloatCartoonMatchesTheByteOne) {
  const Face f = one_face();
  const cv::Matx23f M = cf::alignment_transform(f.lm, kSize, kMargin);
  const cv::Mat mask = cf::face_mask(cf::transform_landmarks(M, f.lm), kSize, kGrow, kFeather);
  const cv::Mat cartoon = inverted(cf::warp_face(f.rgb, M, kSize));
  cv::Mat cartoon_f;
  cartoon.convertTo(cartoon_f, CV_32FC3);
  cv::Mat bytes = f.rgb.clone(), floats = f.rgb.clone();
  cf::paste_back(bytes, cartoon, mask, M, 0.8f);
  cf::paste_back(floats, cartoon_f, mask, M, 0.8f);
  const int changed = count_differing(floats, f.rgb, 0);
  const int off = count_differing(floats, bytes, 1);
  std::printf("float vs byte cartoon: %d of %d changed pixels off by > 1 level\n", off, changed);
  EXPECT_GT(changed, 1000);
  EXPECT_LE(off, changed / 1000);
  cv::Mat outside = floats != f.rgb;
  cv::cvtColor(outside, outside, cv::COLOR_RGB2GRAY);
  outside(cf::paste_region(M, mask.size(), f.rgb.size())).setTo(0);
  EXPECT_EQ(cv::countNonZero(outside), 0);
  cv::Mat double_crop;
  cartoon.convertTo(double_crop, CV_64FC3);
  EXPECT_THROW(cf::paste_back(floats, double_crop, mask, M, 1.f), cartoonize::Error);
}
