// face-api.js's TinyFaceDetector in LibTorch: a tiny YOLOv2 (one plain 3×3
// conv, five depthwise-separable convs, max pools, a 1×1 head) predicting 5
// anchor boxes per 32×32 cell, decoded and merged by non-maximum suppression
// as face-api does. The header is LibTorch-free (pimpl) so core/faces can use
// it without compiling torch headers.
#pragma once
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace cartoonize::faceapi {

class WeightMap;

// A face in input-image pixels (x, y: top-left corner); score in (0, 1).
struct FaceBox {
  float x, y, width, height, score;
};

struct TinyFaceOptions {
  // Side of the square the image is scaled into (long side = input_size);
  // a multiple of 32. face-api's default is 416.
  int input_size = 416;
  float score_threshold = 0.5f;  // face-api's default
  float iou_threshold = 0.4f;    // NMS: boxes overlapping a better one more than this are dropped
  // face-api pads the scaled image to a square (black, bottom/right). false pads
  // only to the next multiple of 32, which skips the empty rows of a wide frame.
  bool pad_to_square = true;
};

// Greedy non-maximum suppression as face-api's: best box first, boxes
// overlapping a kept one by IoU > iou_threshold dropped. Also merges the
// boxes of several input sizes.
std::vector<FaceBox> non_max_suppression(std::vector<FaceBox> boxes, float iou_threshold);

class TinyFaceDetector {
 public:
  static constexpr const char* kManifestName = "tiny_face_detector_model-weights_manifest.json";

  // Loads the manifest and its .bin. Throws cartoonize::Error naming the file
  // on any problem with them (see WeightMap), or on an unknown device string.
  // device: "cpu", "cuda", "cuda:N" (LibTorch's syntax).
  explicit TinyFaceDetector(const std::filesystem::path& manifest_json, const std::string& device = "cpu");
  // From already loaded weights; takes every tensor and rejects leftovers.
  explicit TinyFaceDetector(WeightMap weights, const std::string& device = "cpu");
  ~TinyFaceDetector();
  TinyFaceDetector(TinyFaceDetector&&) noexcept;
  TinyFaceDetector& operator=(TinyFaceDetector&&) noexcept;

  // Faces in an 8-bit image: `height` rows `stride` bytes apart, each of
  // `width` pixels of `channels` bytes (3: R,G,B; 4: R,G,B,x). Best first.
  // Throws cartoonize::Error on bad arguments (never reads outside the rows).
  std::vector<FaceBox> detect(const uint8_t* pixels, int width, int height, size_t stride, int channels,
                              const TinyFaceOptions& options = {}) const;

  // The size the image is scaled to before padding (face-api rounds each
  // side). Callers that shrink the frame to exactly this size themselves
  // (e.g. with an area filter) spare detect() its own resampling.
  static std::pair<int, int> scaled_size(int width, int height, int input_size);

  std::string device() const;

  // The head's raw output for an image already scaled and padded (no
  // resampling, no decoding), for checks against TensorFlow: `rgb_chw` holds
  // 3 planes of height × width values in [0, 255] (height, width multiples of
  // 32); returns 25 planes (anchor-major: tx, ty, tw, th, score logit) of
  // height/32 × width/32. Throws cartoonize::Error on bad sizes.
  std::vector<float> raw_output(const std::vector<float>& rgb_chw, int height, int width) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cartoonize::faceapi
