// Keeps face identities across video frames: detections are matched to tracks
// by box overlap, landmarks are re-fitted between detections (no HOG on those
// frames), smoothed per track, and faces fade in and out instead of popping.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include <opencv2/core.hpp>

#include "detector.h"
#include "landmarks.h"
#include "smoothing.h"

namespace cartoonize::faces {

// The face path's defaults, once: the element's properties and the CLI's
// options (eval, bench) read them.
inline constexpr int kDefaultDetectWidth = 640;    // HOG runs on the frame scaled to this width (0: full size)
inline constexpr int kDefaultDetectInterval = 5;   // the detector runs on every 5th frame, landmarks re-fitted between
inline constexpr double kDefaultMinCutoff = 1.0;   // One Euro landmark filter (see OneEuroParams)
inline constexpr double kDefaultBeta = 0.05;
inline constexpr int kDefaultFadeFrames = 8;       // faces fade in and out over this many frames
// Frames wider than detect_width: HOG at full resolution on one tile of the
// frame every 5th frame, between the downscaled passes (0: never; see track()).
inline constexpr int kDefaultTileInterval = 5;
// The first frame is scanned whole at full resolution (a still photo gets all
// its faces) up to this size: ~0.3 s at 1920x1080 on 2 cores; larger frames
// (4K, 8K: seconds) start the tile rotation instead.
inline constexpr int64_t kFullScanMaxPixels = 1920 * 1200;
// A frame without a usable time (unknown, or not after the last one) is
// taken to follow the last one at this frame rate.
inline constexpr double kFallbackFps = 30.0;

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
    int detect_width = kDefaultDetectWidth;  // see FaceDetector::detect
    int detect_interval = kDefaultDetectInterval;  // track(): the detector on every Nth frame (< 1: every frame)
    int tile_interval = kDefaultTileInterval;      // track(): one full-resolution tile every Nth frame (< 1: none)
    double min_cutoff = kDefaultMinCutoff;   // One Euro parameters (see OneEuroParams)
    double beta = kDefaultBeta;
    double d_cutoff = 1.0;
    int fade_frames = kDefaultFadeFrames;    // frames to fade in from 0 to 1 and out from 1 to 0
    int max_missed = 3;           // detector runs in a row that miss a track before it fades out
    float iou_threshold = 0.3f;   // detection ↔ track match
    // track(): after the first frame, detection passes run on a worker
    // thread and their boxes join the tracks on the first frame after they
    // are ready, so no frame waits for the detector (live video: no spike
    // every detect_interval-th frame). Which frame gets the boxes then
    // depends on timing: leave it off where output must repeat (files).
    bool background_detection = false;
  };

  // The detector is borrowed and must outlive the tracker. With
  // background_detection its detect() runs on the tracker's worker while
  // landmarks() runs on the caller's thread (they share no state), so nothing
  // else may call that detector's detect() while the tracker lives.
  FaceTracker(FaceDetector& detector, Config config);
  ~FaceTracker();
  FaceTracker(const FaceTracker&) = delete;
  FaceTracker& operator=(const FaceTracker&) = delete;

  // Advance one frame (t_seconds must increase). run_detector: run HOG on this
  // frame at detect_width (the caller decides the interval; no tiles);
  // otherwise landmarks are re-fitted near where they were. Returns all
  // visible faces (presence > 0). Always in step (a background pass of
  // track() is dropped).
  std::vector<TrackedFace> update(const cv::Mat& rgb8, double t_seconds, bool run_detector);

  // Advance one frame of a stream, scheduled here: the detector runs on the
  // first frame after construction or reset() and then on every
  // config().detect_interval-th frame, landmarks are re-fitted in between.
  // With HOG on a frame wider than detect_width and tile_interval > 0, faces
  // too small for detect_width are found at full resolution (detect_tiles.h):
  // on the first frame over the whole frame up to kFullScanMaxPixels (a still
  // photo gets all its faces), then one tile every tile_interval-th frame, tile after tile, on
  // frames halfway through that interval (so, with equal intervals, not on the
  // downscaled pass's frames); a tile that missed a face it could see comes
  // again next. Misses count only from passes that could see the face, so
  // the downscaled passes do not fade out the small faces.
  // t_seconds: the frame's time; when it is unknown (< 0) or not after the
  // last frame's, the last frame's time plus 1 / kFallbackFps is used (the
  // landmark filter needs increasing times).
  std::vector<TrackedFace> track(const cv::Mat& rgb8, double t_seconds);

  // A new interval counts on from the frames already tracked (no restart).
  void set_detect_interval(int frames) { config_.detect_interval = frames; }
  void set_tile_interval(int frames) { config_.tile_interval = frames; }
  // The time track() used for the last frame (seconds).
  double last_time() const { return last_seconds_; }

  // Forgets every face; a background pass is discarded (one in progress is
  // waited for: the next frame runs the detector on the caller's thread).
  void reset();
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
  // What runs on a frame; tracks a pass could not see are not counted as missed.
  struct Pass {
    bool downscaled = false;  // HOG at detect_width
    int reach = 0;            // downscaled: smallest face side it counts misses on (0: all)
    bool full = false;        // HOG at full resolution over the whole frame
    cv::Rect tile;            // HOG at full resolution in this tile (empty: none)
    bool any() const { return downscaled || full || !tile.empty(); }
  };
  class Background;  // the worker of background_detection (tracker.cpp)
  // One frame: `dets` are what `pass` found (no pass: landmarks re-fitted
  // only); `stale`: found on an earlier frame (background), so tracks they
  // confirm re-fit from their own landmarks instead of the older box.
  std::vector<TrackedFace> step(const cv::Mat& rgb8, double t, const Pass& pass, const std::vector<cv::Rect>& dets,
                                bool stale);
  // track()'s detection with background_detection: hands `pass` to the
  // worker (or holds it while the worker is busy) and returns the boxes of
  // a finished pass, if any, with that pass in *done.
  bool background_step(const cv::Mat& rgb8, const Pass& pass, std::vector<cv::Rect>* dets, Pass* done);
  std::vector<cv::Rect> detect(const cv::Mat& rgb8, const Pass& pass);
  bool could_see(const Pass& pass, const cv::Rect& box, cv::Size frame) const;
  void refit(Track& track, const cv::Mat& rgb8);
  void fit_to_detection(Track& track, const cv::Mat& rgb8, const cv::Rect& box);

  FaceDetector& detector_;
  Config config_;
  std::vector<Track> tracks_;
  int next_id_ = 0;
  bool started_ = false;  // update() has run since construction/reset
  int64_t frames_ = 0;    // frames through track() since construction/reset
  double last_seconds_ = 0;  // time of the last frame through track()
  size_t next_tile_ = 0;     // the tile rotation
  std::vector<cv::Rect> revisit_;  // tiles to run again first: each missed a face it could see
  Pass held_;                      // background: due while the worker was busy
  std::unique_ptr<Background> background_;  // created on the first background pass
};

// Intersection over union of two boxes (0 when either is empty).
float iou(const cv::Rect& a, const cv::Rect& b);

}  // namespace cartoonize::faces
