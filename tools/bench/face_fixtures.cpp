#include "face_fixtures.h"

#include <algorithm>
#include <stdexcept>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "align.h"
#include "face_fixture.h"
#include "paste.h"

namespace cartoonize::bench {
namespace {

constexpr int kSize = 128;  // the default model's crop size
constexpr float kMargin = 0.1f, kGrow = 0.08f, kFeather = 0.12f;

torch::Tensor bytes_of(const cv::Mat& m) {  // H x W x C uint8, copied
  return torch::from_blob(m.data, {m.rows, m.cols, m.channels()}, {int64_t(m.step[0]), m.channels(), 1},
                          torch::kUInt8)
      .clone();
}

std::vector<faces::Landmarks> faces_in(const cv::Mat& rgb, faces::FaceDetector& detector) {
  std::vector<faces::Landmarks> out;
  for (const auto& box : detector.detect(rgb, 0)) out.push_back(detector.landmarks(rgb, box));
  if (out.empty()) throw std::runtime_error("face fixture: no face found");
  return out;
}

FaceFixture fixture_of(const cv::Mat& rgb, const std::vector<faces::Landmarks>& lms) {
  cv::Mat pasted = rgb.clone();
  std::vector<torch::Tensor> ms, masks, alpha, cartoons, crops;
  for (size_t i = 0; i < lms.size(); ++i) {
    const faces::Landmarks& lm = lms[i];
    const cv::Matx23f M = faces::alignment_transform(lm, kSize, kMargin);
    const cv::Mat mask = faces::face_mask(faces::transform_landmarks(M, lm), kSize, kGrow, kFeather);
    const cv::Mat crop = faces::warp_face(rgb, M, kSize);
    cv::Mat cartoon;
    cv::bitwise_not(crop, cartoon);
    const float a = 1.f - 0.25f * float(i % 3);
    faces::paste_back(pasted, cartoon, mask, M, a);
    const Affine m = faces::to_affine(M);
    ms.push_back(torch::tensor(std::vector<float>(m.begin(), m.end())).unsqueeze(0));
    masks.push_back(torch::from_blob(mask.data, {1, kSize, kSize}, torch::kFloat).clone());
    alpha.push_back(torch::tensor({a}));
    cartoons.push_back(bytes_of(cartoon).unsqueeze(0));
    crops.push_back(bytes_of(crop).unsqueeze(0));
  }
  return {bytes_of(rgb),        torch::cat(ms),    torch::cat(masks), torch::cat(alpha), torch::cat(cartoons),
          torch::cat(crops), bytes_of(pasted)};
}

cv::Mat resized(const cv::Mat& rgb, int w, int h) {  // centre cut to w:h, then scaled (as the benchmark's frames)
  const double aspect = double(w) / h;
  const int cw = std::min(rgb.cols, int(rgb.rows * aspect)), ch = std::min(rgb.rows, int(rgb.cols / aspect));
  cv::Mat out;
  cv::resize(rgb(cv::Rect((rgb.cols - cw) / 2, (rgb.rows - ch) / 2, cw, ch)), out, cv::Size(w, h), 0, 0,
             cv::INTER_AREA);
  return out;
}

}  // namespace

int write_face_fixtures(const std::string& dir, const std::string& data_dir, faces::FaceDetector& detector) {
  auto load = [&](const std::string& name) {
    cv::Mat bgr = cv::imread(data_dir + "/photos/" + name, cv::IMREAD_COLOR), rgb;
    if (bgr.empty()) throw std::runtime_error("cannot read " + data_dir + "/photos/" + name);
    cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
    return rgb;
  };
  const cv::Mat group = load("sample1.jpg");
  cv::Mat one;  // half size keeps the fixtures small enough to carry to the GPU machine
  cv::resize(load("sample2.jpg"), one, cv::Size(), 0.5, 0.5, cv::INTER_AREA);
  for (const auto& [w, h] : {std::pair{1920, 1080}, std::pair{640, 480}}) {
    const cv::Mat frame = resized(group, w, h);
    save_face_fixture(dir + "/faces-group-" + std::to_string(w) + "x" + std::to_string(h) + ".pt",
                      fixture_of(frame, faces_in(frame, detector)));
  }
  // The face cut through the nose by the right border, at an odd size; its
  // landmarks come from the whole photo (the cut keeps the origin).
  const std::vector<faces::Landmarks> lms = faces_in(one, detector);
  const int h = one.rows - 1 + one.rows % 2, w = int(lms[0][faces::lm::kNoseTip].x) | 1;
  save_face_fixture(dir + "/faces-cut-" + std::to_string(w) + "x" + std::to_string(h) + ".pt",
                    fixture_of(one(cv::Rect(0, 0, w, h)).clone(), {lms[0]}));
  return 3;
}

}  // namespace cartoonize::bench
