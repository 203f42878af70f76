#include "eval_face_path.h"

#include <cstring>

#include <opencv2/imgproc.hpp>
#include <opencv2/photo.hpp>

#include "error.h"
#include "paste.h"

namespace cartoonize::train {

cv::Mat stylization_baseline(const cv::Mat& rgb8) {
  // sigma_s is a spatial extent in pixels: OpenCV's default (60) is meant for
  // whole photos; a face crop of ~128 px wants a proportionally smaller one.
  cv::Mat out;
  cv::stylization(rgb8, out, float(std::max(10, rgb8.cols / 4)), 0.45f);
  return out;
}

cv::Mat bilateral_edge_baseline(const cv::Mat& rgb8) {
  // The classic recipe: a few small bilateral passes flatten colours while
  // keeping edges, and an adaptive threshold of the blurred grey image draws
  // dark outlines over them.
  cv::Mat flat = rgb8.clone(), tmp;
  for (int i = 0; i < 4; ++i) {
    cv::bilateralFilter(flat, tmp, 7, 40, 7);  // never in place: OpenCV refuses src == dst
    std::swap(flat, tmp);
  }
  cv::Mat grey, edges;
  cv::cvtColor(rgb8, grey, cv::COLOR_RGB2GRAY);
  cv::medianBlur(grey, grey, 5);
  cv::adaptiveThreshold(grey, edges, 255, cv::ADAPTIVE_THRESH_MEAN_C, cv::THRESH_BINARY, 9, 4);
  cv::Mat out;
  flat.copyTo(out);
  out.setTo(cv::Scalar::all(0), edges == 0);
  return out;
}

cv::Mat rendering_baseline(const cv::Mat& rgb8, const CartoonRendering& rendering) {
  CV_Assert(rgb8.type() == CV_8UC3 && rgb8.isContinuous());
  const torch::Tensor x = torch::from_blob(rgb8.data, {1, rgb8.rows, rgb8.cols, 3}, torch::kUInt8)
                              .permute({0, 3, 1, 2}).to(torch::kFloat) / 127.5 - 1;
  const torch::Tensor y = ((cartoon_rendering(x, rendering) + 1) * 127.5).round().clamp(0, 255).to(torch::kUInt8);
  cv::Mat out(rgb8.size(), CV_8UC3);
  std::memcpy(out.data, y[0].permute({1, 2, 0}).contiguous().data_ptr<uint8_t>(), out.total() * 3);
  return out;
}

CropStylizer::CropStylizer(const std::string& model, const std::string& baseline, int crop_size,
                           const CartoonRendering& rendering)
    : baseline_(baseline), crop_size_(crop_size), rendering_(rendering) {
  if (baseline.empty()) {
    EngineOptions options;
    options.model_path = model;
    engine_ = Engine::create(options);
    crop_size_ = engine_->model_info().input_size;
    name_ = "model " + model;
  } else if (baseline == "stylization" || baseline == "bilateral-edge") {
    name_ = "baseline " + baseline;
  } else if (baseline == "rendering") {
    name_ = "baseline rendering " + describe(rendering);
  } else {
    throw Error("unknown baseline '" + baseline + "' (stylization, bilateral-edge or rendering)");
  }
}

CropStylizer::~CropStylizer() = default;

void CropStylizer::stylize(std::vector<faces::FaceCrop>& crops) {
  if (engine_) return faces::cartoonize_crops(crops, *engine_, PixelLayout::RGB);
  for (auto& c : crops)
    c.crop = baseline_ == "stylization"  ? stylization_baseline(c.crop)
             : baseline_ == "rendering" ? rendering_baseline(c.crop, rendering_)
                                        : bilateral_edge_baseline(c.crop);
}

std::vector<faces::TrackedFace> detect_faces(faces::FaceDetector& detector, const cv::Mat& rgb8, int detect_width) {
  std::vector<faces::TrackedFace> out;
  for (const cv::Rect& box : detector.detect(rgb8, detect_width)) {
    faces::TrackedFace f;
    f.id = int(out.size());
    f.box = box;
    f.raw = detector.landmarks(rgb8, box);
    f.smoothed = f.raw;
    f.presence = 1.f;
    out.push_back(f);
  }
  return out;
}

StyledImage stylize_faces(const cv::Mat& rgb8, const std::vector<faces::TrackedFace>& faces, CropStylizer& stylizer,
                          const faces::FaceStyle& style) {
  StyledImage out{rgb8.clone(), {}};
  auto crops = faces::extract_faces(rgb8, faces, stylizer.crop_size(), style);
  if (crops.empty()) return out;
  stylizer.stylize(crops);
  faces::paste_faces(out.image, crops, 1.f);
  for (const auto& c : crops) {
    out.regions.push_back(faces::paste_region(c.M, c.crop.size(), rgb8.size()));
    out.crops.push_back(c.crop);
  }
  return out;
}

}  // namespace cartoonize::train
