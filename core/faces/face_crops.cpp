#include "face_crops.h"

#include "align.h"
#include "paste.h"

namespace cartoonize::faces {

cv::Mat wrap_frame(const ImageView& image) {
  const int type = bytes_per_pixel(image.layout) == 3 ? CV_8UC3 : CV_8UC4;
  return cv::Mat(image.height, image.width, type, image.data, size_t(image.stride));
}

std::vector<FaceCrop> face_geometry(const std::vector<TrackedFace>& faces, int size, const FaceStyle& style) {
  std::vector<FaceCrop> crops;
  for (const auto& face : faces) {
    if (face.presence <= 0.f) continue;
    FaceCrop c;
    c.id = face.id;
    c.presence = face.presence;
    c.M = alignment_transform(face.smoothed, size, style.margin);
    c.mask = face_mask(transform_landmarks(c.M, face.smoothed), size, style.grow, style.feather);
    crops.push_back(std::move(c));
  }
  return crops;
}

std::vector<FaceCrop> extract_faces(const cv::Mat& frame, const std::vector<TrackedFace>& faces, int size,
                                    const FaceStyle& style) {
  std::vector<FaceCrop> crops = face_geometry(faces, size, style);
  for (auto& c : crops) c.crop = warp_face(frame, c.M, size);
  return crops;
}

void cartoonize_crops(std::vector<FaceCrop>& crops, Engine& engine, PixelLayout layout) {
  std::vector<ImageView> views;
  views.reserve(crops.size());
  for (auto& c : crops) {
    if (!c.crop.isContinuous()) c.crop = c.crop.clone();
    views.push_back(ImageView{c.crop.data, c.crop.cols, c.crop.rows, std::ptrdiff_t(c.crop.step[0]), layout});
  }
  engine.cartoonize_batch(views);
}

void paste_faces(cv::Mat& frame, const std::vector<FaceCrop>& crops, float strength) {
  for (const auto& c : crops) paste_back(frame, c.crop, c.mask, c.M, c.presence * strength);
}

void cartoonize_faces_in_device_frame(Engine& engine, const ImageView& frame, const std::vector<TrackedFace>& faces,
                                      const FaceStyle& style, float strength, float frame_strength) {
  const int size = engine.model_info().input_size;
  const std::vector<FaceCrop> geometry = strength > 0.f ? face_geometry(faces, size, style) : std::vector<FaceCrop>{};
  std::vector<DeviceFace> device_faces;
  for (const auto& c : geometry) device_faces.push_back({to_affine(c.M), c.mask.ptr<float>(), c.presence * strength});
  engine.cartoonize_device_faces(frame, device_faces, size, frame_strength);
}

}  // namespace cartoonize::faces
