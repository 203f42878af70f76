// Real faces for the faceapi tests: dlib's HOG boxes and 68 landmarks (through
// core/faces' FaceDetector) on $CARTOONIZE_SHARED_DATA images, and square
// crops of them as the float RGB tensors the face-api nets take.
#pragma once
#include <filesystem>
#include <vector>

#include <opencv2/core.hpp>
#include <torch/torch.h>

#include "landmarks.h"

namespace cartoonize::faceapi::test {

std::filesystem::path shared_data();
std::filesystem::path model_dir();  // shared_data()/models/face-api

struct Face {
  cv::Mat rgb;        // the whole image, 8-bit RGB
  cv::Rect box;       // dlib HOG box
  faces::Landmarks lm;  // dlib shape predictor's 68 points
  std::string source;   // file name, for messages
};

// Every face dlib finds in photos/*.jpg (full size) and in the first
// `face_files` of faces/*.jpg (sorted by name; at most one face each).
std::vector<Face> photo_faces();
std::vector<Face> utk_faces(int face_files);

// A square region of an image: top-left corner and side, in image pixels.
struct Square {
  float x, y, side;
};

// Square centred on the box centre, side = scale · max(w, h), shifted down by
// shift_down · side (detector boxes sit high on the face).
Square square_around(const cv::Rect& box, float scale, float shift_down = 0.f);

// face-api's alignment box: the landmarks' bounding box enlarged by 20 % of its
// width/height (FaceLandmarks.align), then padded to a square about its centre
// (toBatchTensor centres the image when padding).
Square aligned_square(const faces::Landmarks& lm);

// The square resampled to out×out (area filter when shrinking, zeros outside
// the image, as face-api's padding), as a 1×3×out×out float tensor in [0, 255].
torch::Tensor crop(const cv::Mat& rgb, const Square& sq, int out);

// Point p in out×out crop pixels back to image pixels.
cv::Point2f to_image(const Square& sq, int out, cv::Point2f p);

}  // namespace cartoonize::faceapi::test
