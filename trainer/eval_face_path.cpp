#include "eval_face_path.h"

#include <opencv2/imgproc.hpp>
#include <opencv2/photo.hpp>

#include "error.h"
#include "paste.h"
#include "tensor_image.h"

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
  if (rgb8.empty() || rgb8.type() != CV_8UC3) throw Error("rendering baseline wants an 8-bit RGB image");
  cv::Mat in = rgb8, out = rgb8.clone();  // in: a header, the pixels are only read
  const auto view = [](cv::Mat& m) { return ImageView{m.data, m.cols, m.rows, std::ptrdiff_t(m.step[0]), PixelLayout::RGB}; };
  const torch::Tensor x = to_model_range(packed_to_rgb(view(in)), Normalization::MinusOneOne);
  rgb_to_packed(from_model_range(cartoon_rendering(x, rendering), Normalization::MinusOneOne), view(out));
  return out;
}

CropStylizer::CropStylizer(const std::string& model, const std::string& baseline, int crop_size,
                           const CartoonRendering& rendering, std::optional<OutputFilter> output_filter)
    : baseline_(baseline), crop_size_(crop_size), rendering_(rendering) {
  if (baseline.empty()) {
    EngineOptions options;
    options.model_path = model;
    options.output_filter = output_filter;
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
    c.cartoon = baseline_ == "stylization"  ? stylization_baseline(c.crop)
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
  StyledImage out{rgb8.clone(), {}, {}};
  faces::FaceFrameOptions options;
  options.style = style;
  const auto crops = faces::restyle_faces_in_frame(
      faces::view_of(out.image, PixelLayout::RGB), faces, stylizer.crop_size(),
      [&](std::vector<faces::FaceCrop>& c) { stylizer.stylize(c); }, options);
  for (const auto& c : crops) {
    out.regions.push_back(faces::paste_region(c.M, c.crop.size(), rgb8.size()));
    out.crops.push_back(faces::cartoon_bytes(c));
  }
  return out;
}

}  // namespace cartoonize::train
