// The face path of the element between tracking and paste-back: aligned crops
// of the tracked faces, cartoonized together in one generator call, pasted
// back through feathered masks. Kept apart from GStreamer so tools and the
// benchmark run exactly the element's face path.
#pragma once
#include <vector>

#include <opencv2/core.hpp>

#include "engine.h"
#include "tracker.h"

namespace cartoonize::faces {

struct FaceStyle {
  float margin = 0.1f;    // context around the face in the crop (see alignment_transform); the models are trained with it
  float grow = 0.08f;     // mask grown beyond the jaw/brow hull (fraction of face size)
  float feather = 0.12f;  // mask fade width (fraction of face size)
};

struct FaceCrop {
  int id = 0;
  cv::Matx23f M;     // frame -> crop
  cv::Mat crop;      // size x size, the frame's channels and order
  cv::Mat mask;      // CV_32FC1 size x size
  float presence = 1.f;
};

// Matrix and mask (crop left empty) of every face with presence > 0.
std::vector<FaceCrop> face_geometry(const std::vector<TrackedFace>& faces, int size, const FaceStyle& style);
// Aligned crops (from the smoothed landmarks) of every face with presence > 0.
std::vector<FaceCrop> extract_faces(const cv::Mat& frame, const std::vector<TrackedFace>& faces, int size,
                                    const FaceStyle& style);
// All crops through the generator in one batch, in place.
void cartoonize_crops(std::vector<FaceCrop>& crops, Engine& engine, PixelLayout layout);
// Blends each crop into the frame with alpha = presence * strength.
void paste_faces(cv::Mat& frame, const std::vector<FaceCrop>& crops, float strength);

// The same face path for a frame in the engine's device memory (a CUDA
// buffer; host memory on a CPU engine): matrices and masks computed here on
// the host, warp, one generator batch and paste-back on the device
// (Engine::cartoonize_device_faces), at the model's input size.
// frame_strength > 0 also cartoonizes the whole frame (mode=both).
void cartoonize_faces_in_device_frame(Engine& engine, const ImageView& frame, const std::vector<TrackedFace>& faces,
                                      const FaceStyle& style, float strength, float frame_strength);

// A cv::Mat header over a packed frame (no copy).
cv::Mat wrap_frame(const ImageView& image);

}  // namespace cartoonize::faces
