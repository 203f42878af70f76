// Shared data access for the core/faces tests: real photos, crops and clips
// from $CARTOONIZE_SHARED_DATA (set by meson's test_env), decoded to RGB.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "detector.h"

namespace cartoonize::faces::test {

// $CARTOONIZE_SHARED_DATA; throws if unset or missing so tests fail, not skip.
std::filesystem::path shared_data();

// Image file decoded to 8-bit RGB; throws if it cannot be read.
cv::Mat load_rgb(const std::filesystem::path& file);

// photos/sample1..4.jpg
std::vector<std::filesystem::path> sample_photos();

// Up to max_frames frames of a clip as RGB (cv::VideoCapture, FFmpeg backend);
// throws if the clip cannot be opened or yields no frame.
std::vector<cv::Mat> read_clip(const std::filesystem::path& file, int max_frames, int first_frame = 0);

// One detector per test program: loading the 68-point model takes about a second.
FaceDetector& detector();

// Mean absolute second difference of each landmark's trajectory: frame-to-frame jitter.
double jitter(const std::vector<Landmarks>& seq);

// The photo negative (255 - v): a "cartoon" that differs everywhere.
cv::Mat inverted(const cv::Mat& m);

// Pixels whose channels differ by more than tolerance.
int count_differing(const cv::Mat& a, const cv::Mat& b, int tolerance);

}  // namespace cartoonize::faces::test
