// Keeps face identities across video frames: detections are matched to tracks
// by box overlap, landmarks are re-fitted between detections (no HOG on those
// frames), smoothed per track, and faces fade in and out instead of popping.
#pragma once
#include <vector>

#include <opencv2/core.hpp>

#include "detector.h"
#include "landmarks.h"
#include "smoothing.h"

namespace cartoonize::faces {

struct TrackedFace {
  int id;             // stable while the face is tracked; never reused
  cv::Rect box;       // in the detector's box convention, frame coordinates
  Landmarks raw;      // this frame's shape-predictor output
  Landmarks smoothed; // One Euro filtered
  float presence;     // 0..1: fade weight for paste-back
};

class FaceTracker {
 public:
  struct Config {
    int detect_width = 640;       // see FaceDetector::detect
    double min_cutoff = 1.0;      // One Euro parameters (see OneEuroParams)
    double beta = 0.05;
    double d_cutoff = 1.0;
    int fade_frames = 8;          // frames to fade in from 0 to 1 and out from 1 to 0
    int max_missed = 3;           // detector runs in a row that miss a track before it fades out
    float iou_threshold = 0.3f;   // detection ↔ track match
  };

  // The detector is borrowed and must outlive the tracker.
  FaceTracker(FaceDetector& detector, Config config);

  // Advance one frame (t_seconds must increase). run_detector: run HOG on this
  // frame (the caller decides the interval); otherwise landmarks are re-fitted
  // near where they were. Returns all visible faces (presence > 0).
  std::vector<TrackedFace> update(const cv::Mat& rgb8, double t_seconds, bool run_detector);

  void reset() {
    tracks_.clear();
    started_ = false;
  }
  const Config& config() const { return config_; }

 private:
  struct Track {
    int id = 0;
    cv::Rect box;
    Landmarks raw{}, smoothed{};
    LandmarkSmoother smoother;
    int presence_steps = 0;  // presence = steps / fade_frames, counted exactly
    int missed = 0;        // detector runs in a row without a match
    bool fading = false;   // lost: landmarks frozen, presence falling
    // Detector box relative to the landmarks (centre offset and width, in
    // units of the landmarks' RMS radius) so re-fits can predict the box the
    // shape predictor was trained on.
    cv::Point2f box_offset{0.f, 0.f};
    float box_width = 0.f, box_aspect = 1.f;
  };
  void refit(Track& track, const cv::Mat& rgb8);
  void fit_to_detection(Track& track, const cv::Mat& rgb8, const cv::Rect& box);

  FaceDetector& detector_;
  Config config_;
  std::vector<Track> tracks_;
  int next_id_ = 0;
  bool started_ = false;  // update() has run since construction/reset
};

// Intersection over union of two boxes (0 when either is empty).
float iou(const cv::Rect& a, const cv::Rect& b);

}  // namespace cartoonize::faces
