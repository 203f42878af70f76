// Similarity alignment of a face to a canonical 5-point template, and the
// warps between frame and crop space that generation and paste-back share.
#pragma once
#include <opencv2/core.hpp>

#include "affine.h"
#include "landmarks.h"

namespace cartoonize::faces {

// The ArcFace / InsightFace 5-point template for 112×112 crops (as used by
// ArcFace and FFHQ-style aligners): eye centres, nose tip, mouth corners,
// in image-left→right order; see insightface's face_align.py (arcface_dst).
inline constexpr float kArcFaceTemplate112[5][2] = {
    {38.2946f, 51.6963f}, {73.5318f, 51.5014f}, {56.0252f, 71.7366f},
    {41.5493f, 92.3655f}, {70.7299f, 92.2041f}};

// Template points for a size×size crop. margin adds that fraction of the
// template's extent as context on each side: the face shrinks by 1/(1+2·margin).
std::array<cv::Point2f, 5> template_points(int size, float margin);

// Least-squares similarity (rotation, uniform scale, translation; closed form,
// Umeyama without reflection) mapping src onto dst.
cv::Matx23f similarity_transform(const std::array<cv::Point2f, 5>& src,
                                 const std::array<cv::Point2f, 5>& dst);

// Frame → crop transform putting the face's five points on the template.
cv::Matx23f alignment_transform(const Landmarks& lm, int size, float margin);

// size×size crop of frame through M (frame → crop), bilinear, border replicate.
cv::Mat warp_face(const cv::Mat& frame, const cv::Matx23f& M, int size);

// The uniform scale of a similarity (frame pixels to crop pixels).
float similarity_scale(const cv::Matx23f& M);

// Inverse of an invertible affine transform (crop → frame from frame → crop).
cv::Matx23f invert(const cv::Matx23f& M);

// The same matrix as core's plain array (affine.h) and back.
Affine to_affine(const cv::Matx23f& M);
cv::Matx23f to_matx(const Affine& a);

// Apply an affine transform to one point / to all landmarks.
cv::Point2f transform_point(const cv::Matx23f& M, cv::Point2f p);
Landmarks transform_landmarks(const cv::Matx23f& M, const Landmarks& lm);

}  // namespace cartoonize::faces
