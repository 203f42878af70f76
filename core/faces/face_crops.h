// The face path between tracking and the frame: aligned crops of the tracked
// faces, restyled together in one generator call, pasted back through
// feathered masks. One host pipeline (cartoonize_faces_in_frame) and its
// device twin (cartoonize_faces_in_device_frame); the element, eval, the
// benchmark and the tests all go through them. No GStreamer, no LibTorch
// headers.
//
// A frame in face mode: FaceTracker::track (detection schedule, landmarks,
// smoothing, fades; tracker.h), then cartoonize_faces_in_frame. The two are
// separate calls, so a caller that must run the generator again (the
// element's CPU fallback after a CUDA fault) does not track the frame twice.
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include <opencv2/core.hpp>

#include "engine.h"
#include "tracker.h"

namespace cartoonize::faces {

// Context around the face in the crop (see alignment_transform): the models
// are trained with it (cartoonize-train prepare aligns training faces so).
inline constexpr float kDefaultCropMargin = 0.1f;
// The element's smallest crop for faces small in the frame (FaceStyle::min_crop).
inline constexpr int kDefaultMinCrop = 64;

struct FaceStyle {
  float margin = kDefaultCropMargin;
  float grow = 0.08f;     // mask grown beyond the jaw/brow hull (fraction of face size)
  float feather = 0.12f;  // mask fade width (fraction of face size)
  // > 0: a face that covers fewer frame pixels than the crop size is cropped
  // at its own size (a multiple of 4, at least min_crop) instead of being
  // scaled up: the generator's time falls with the square of the size and
  // the upscaled pixels held nothing new. 0: every crop at the given size.
  int min_crop = 0;
};

// The crop size for a face whose size-pixel crop covers `span` frame pixels:
// `size`, or with min_crop > 0 and span < size, span rounded up to a multiple
// of 4 and at least min_crop.
int crop_size_for(float span, int size, int min_crop);

struct FaceCrop {
  int id = 0;
  cv::Matx23f M;     // frame -> crop
  cv::Mat crop;      // size x size, the frame's channels and order, 8-bit
  cv::Mat mask;      // CV_32FC1 size x size
  // The restyled crop that is pasted back: CV_32FC3 in [0, 255] from the
  // generator (never rounded to bytes), or CV_8UC3/4 from a restyler that
  // works on bytes (eval's classical baselines); the frame's channel order.
  cv::Mat cartoon;
  float presence = 1.f;
};

// Matrix and mask (crop left empty) of every face with presence > 0, at
// `size` or smaller (style.min_crop; the mask's side is the crop's).
std::vector<FaceCrop> face_geometry(const std::vector<TrackedFace>& faces, int size, const FaceStyle& style);
// Aligned crops (from the smoothed landmarks) of every face with presence > 0.
std::vector<FaceCrop> extract_faces(const cv::Mat& frame, const std::vector<TrackedFace>& faces, int size,
                                    const FaceStyle& style);
// All crops through the generator, one batch per crop size (one batch when
// all are at the model's size): each crop's `cartoon`, in float.
void cartoonize_crops(std::vector<FaceCrop>& crops, Engine& engine, PixelLayout layout);
// Blends each crop's cartoon into the frame with alpha = presence * strength.
void paste_faces(cv::Mat& frame, const std::vector<FaceCrop>& crops, float strength);
// A crop's cartoon as bytes (rounded), e.g. to look at or to score it.
cv::Mat cartoon_bytes(const FaceCrop& crop);

// Fills `cartoon` of every crop from its `crop` (in the frame's channel order).
using Restyle = std::function<void(std::vector<FaceCrop>&)>;

struct FaceFrameOptions {
  FaceStyle style;
  float strength = 1.f;        // faces are blended with presence * strength; <= 0: no face is touched
  float frame_strength = 0.f;  // > 0: the whole frame is cartoonized too, at this strength (mode=both)
  // The whole-frame step of frame_strength > 0. Empty: engine.cartoonize_frame
  // within max_pixels (eval's baselines pass their own).
  std::function<void(const ImageView& frame, float strength)> whole_frame;
  int64_t max_pixels = 0;  // the whole frame's generator runs on at most this many pixels (> 0)
};

// Face mode on a frame in host memory, in place: the faces' crops are taken
// from the frame as it came in, run through the generator in one batch, the
// whole frame is cartoonized when options.frame_strength > 0, and the
// cartoon faces are pasted back through their masks, face after face; the
// cartoons stay in float until the blend writes the frame's bytes. The 4th
// byte of 4-byte layouts is left as it was. Returns the crops (matrix, mask,
// input crop, cartoon) for callers that look at them. Throws Error.
std::vector<FaceCrop> cartoonize_faces_in_frame(Engine& engine, const ImageView& frame,
                                                const std::vector<TrackedFace>& faces,
                                                const FaceFrameOptions& options);
// The same with another restyler of crop_size crops instead of the engine
// (eval's baselines); frame_strength needs options.whole_frame.
std::vector<FaceCrop> restyle_faces_in_frame(const ImageView& frame, const std::vector<TrackedFace>& faces,
                                             int crop_size, const Restyle& restyle, const FaceFrameOptions& options);

// The same face path for a frame in the engine's device memory (a CUDA
// buffer; host memory on a CPU engine): matrices and masks computed here on
// the host, warp, one generator batch and paste-back on the device
// (Engine::cartoonize_device_faces), at the model's input size (style.min_crop
// is not used there).
// frame_strength > 0 also cartoonizes the whole frame (mode=both).
void cartoonize_faces_in_device_frame(Engine& engine, const ImageView& frame, const std::vector<TrackedFace>& faces,
                                      const FaceStyle& style, float strength, float frame_strength);

// A cv::Mat header over a packed frame (no copy), and the reverse.
cv::Mat wrap_frame(const ImageView& image);
ImageView view_of(cv::Mat& frame, PixelLayout layout);

}  // namespace cartoonize::faces
