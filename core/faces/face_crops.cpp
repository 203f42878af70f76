// The host face pipeline and its device twin (see face_crops.h).
#include "face_crops.h"

#include <algorithm>
#include <cmath>

#include "align.h"
#include "error.h"
#include "paste.h"

namespace cartoonize::faces {

cv::Mat wrap_frame(const ImageView& image) {
  const int type = bytes_per_pixel(image.layout) == 3 ? CV_8UC3 : CV_8UC4;
  return cv::Mat(image.height, image.width, type, image.data, size_t(image.stride));
}

ImageView view_of(cv::Mat& frame, PixelLayout layout) {
  if (frame.depth() != CV_8U || frame.channels() != bytes_per_pixel(layout))
    throw Error(std::string("view_of: the frame's channels do not match the layout ") + layout_name(layout));
  return ImageView{frame.data, frame.cols, frame.rows, std::ptrdiff_t(frame.step[0]), layout};
}

int crop_size_for(float span, int size, int min_crop) {
  if (min_crop <= 0 || !(span < float(size))) return size;
  const int rounded = (int(std::ceil(span)) + 3) / 4 * 4;
  return std::clamp(rounded, std::min(min_crop, size), size);
}

std::vector<FaceCrop> face_geometry(const std::vector<TrackedFace>& faces, int size, const FaceStyle& style) {
  std::vector<FaceCrop> crops;
  for (const auto& face : faces) {
    if (face.presence <= 0.f) continue;
    FaceCrop c;
    c.id = face.id;
    c.presence = face.presence;
    c.M = alignment_transform(face.smoothed, size, style.margin);
    // Frame pixels across the crop: size over the similarity's scale.
    const float span = float(size) / std::max(similarity_scale(c.M), 1e-6f);
    const int side = crop_size_for(span, size, style.min_crop);
    if (side != size) c.M = alignment_transform(face.smoothed, side, style.margin);
    c.mask = face_mask(transform_landmarks(c.M, face.smoothed), side, style.grow, style.feather);
    crops.push_back(std::move(c));
  }
  return crops;
}

std::vector<FaceCrop> extract_faces(const cv::Mat& frame, const std::vector<TrackedFace>& faces, int size,
                                    const FaceStyle& style) {
  std::vector<FaceCrop> crops = face_geometry(faces, size, style);
  for (auto& c : crops) c.crop = warp_face(frame, c.M, c.mask.rows);
  return crops;
}

void cartoonize_crops(std::vector<FaceCrop>& crops, Engine& engine, PixelLayout layout) {
  std::vector<int> sizes;
  for (const auto& c : crops)
    if (std::find(sizes.begin(), sizes.end(), c.crop.rows) == sizes.end()) sizes.push_back(c.crop.rows);
  for (const int side : sizes) {
    std::vector<ImageView> views;
    std::vector<float*> cartoons;
    for (auto& c : crops) {
      if (c.crop.rows != side) continue;
      views.push_back(view_of(c.crop, layout));
      c.cartoon.create(c.crop.rows, c.crop.cols, CV_32FC3);  // continuous: rows packed
      cartoons.push_back(c.cartoon.ptr<float>());
    }
    engine.cartoonize_batch(views, cartoons);
  }
}

void paste_faces(cv::Mat& frame, const std::vector<FaceCrop>& crops, float strength) {
  for (const auto& c : crops) paste_back(frame, c.cartoon, c.mask, c.M, c.presence * strength);
}

cv::Mat cartoon_bytes(const FaceCrop& crop) {
  if (crop.cartoon.depth() == CV_8U) return crop.cartoon;
  cv::Mat out;
  crop.cartoon.convertTo(out, CV_8U);  // rounded, saturated
  return out;
}

std::vector<FaceCrop> restyle_faces_in_frame(const ImageView& frame, const std::vector<TrackedFace>& faces,
                                             int crop_size, const Restyle& restyle, const FaceFrameOptions& options) {
  cv::Mat mat = wrap_frame(frame);
  // Crops from the frame as it came in, before any cartoon is drawn on it.
  std::vector<FaceCrop> crops;
  if (options.strength > 0.f && !faces.empty()) {
    crops = extract_faces(mat, faces, crop_size, options.style);
    if (!crops.empty()) restyle(crops);
  }
  if (options.frame_strength > 0.f) {
    if (!options.whole_frame) throw Error("restyle_faces_in_frame: frame_strength without a whole-frame step");
    options.whole_frame(frame, options.frame_strength);
  }
  paste_faces(mat, crops, options.strength);
  return crops;
}

std::vector<FaceCrop> cartoonize_faces_in_frame(Engine& engine, const ImageView& frame,
                                                const std::vector<TrackedFace>& faces,
                                                const FaceFrameOptions& options) {
  FaceFrameOptions o = options;
  if (!o.whole_frame)
    o.whole_frame = [&engine, &o](const ImageView& f, float s) { engine.cartoonize_frame(f, s, o.max_pixels); };
  return restyle_faces_in_frame(
      frame, faces, engine.model_info().input_size,
      [&](std::vector<FaceCrop>& crops) { cartoonize_crops(crops, engine, frame.layout); }, o);
}

void cartoonize_faces_in_device_frame(Engine& engine, const ImageView& frame, const std::vector<TrackedFace>& faces,
                                      const FaceStyle& style, float strength, float frame_strength) {
  const int size = engine.model_info().input_size;
  FaceStyle one_size = style;
  one_size.min_crop = 0;  // one batch of model-size crops: on the GPU their size costs next to nothing
  const std::vector<FaceCrop> geometry =
      strength > 0.f ? face_geometry(faces, size, one_size) : std::vector<FaceCrop>{};
  std::vector<DeviceFace> device_faces;
  for (const auto& c : geometry) device_faces.push_back({to_affine(c.M), c.mask.ptr<float>(), c.presence * strength});
  engine.cartoonize_device_faces(frame, device_faces, size, frame_strength);
}

}  // namespace cartoonize::faces
