// Greedy IoU tracking with landmark re-fits between detections (see tracker.h).
#include "tracker.h"

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <tuple>
#include <utility>

#include "detect_tiles.h"
#include "error.h"

namespace cartoonize::faces {

namespace {

// Two live tracks overlapping this much follow the same face: the younger fades out.
constexpr float kDuplicateIou = 0.5f;

struct Spread {
  cv::Point2f centre;
  float radius;  // RMS distance of the points from their centre
};

Spread spread_of(const Landmarks& l) {
  const cv::Point2f c = mean_point(l, 0, kLandmarkCount - 1);
  double sum = 0;
  for (const auto& p : l) sum += (p - c).dot(p - c);
  return {c, std::max(1.f, float(std::sqrt(sum / kLandmarkCount)))};
}

}  // namespace

float iou(const cv::Rect& a, const cv::Rect& b) {
  const double inter = (a & b).area();
  const double uni = double(a.area()) + double(b.area()) - inter;
  return uni > 0 ? float(inter / uni) : 0.f;
}

// One worker thread running detection passes one at a time on its own copy
// of a frame. Results carry the generation they were asked in: reset()
// moves the generation on, so a pass from before it is dropped.
class FaceTracker::Background {
 public:
  using Detect = std::function<std::vector<cv::Rect>(const cv::Mat&, const Pass&)>;
  explicit Background(Detect detect) : detect_(std::move(detect)), worker_([this] { run(); }) {}
  ~Background() {
    {
      std::lock_guard<std::mutex> lock(m_);
      stop_ = true;
    }
    wake_.notify_one();
    worker_.join();
  }
  bool busy() {
    std::lock_guard<std::mutex> lock(m_);
    return queued_ || running_;
  }
  void submit(const cv::Mat& rgb8, const Pass& pass) {
    {
      std::lock_guard<std::mutex> lock(m_);
      rgb8.copyTo(frame_);
      pass_ = pass;
      queued_ = true;
      asked_ = generation_;
    }
    wake_.notify_one();
  }
  // The boxes of the last finished pass of this generation, once; a failed
  // pass throws its error here, on the caller's thread.
  bool take(std::vector<cv::Rect>* boxes, Pass* pass) {
    std::lock_guard<std::mutex> lock(m_);
    if (!done_) return false;
    done_ = false;
    if (!error_.empty()) throw Error("background face detection failed: " + std::exchange(error_, {}));
    *boxes = std::move(boxes_);
    *pass = done_pass_;
    return true;
  }
  // Drops what is queued or done, and waits for a pass in progress to end:
  // the detector is the caller's again when this returns.
  void forget() {
    std::unique_lock<std::mutex> lock(m_);
    ++generation_;
    queued_ = done_ = false;
    idle_.wait(lock, [this] { return !running_; });
  }

 private:
  void run() {
    std::unique_lock<std::mutex> lock(m_);
    for (;;) {
      wake_.wait(lock, [this] { return stop_ || queued_; });
      if (stop_) return;
      cv::Mat frame = std::move(frame_);
      const Pass pass = pass_;
      const uint64_t asked = asked_;
      queued_ = false;
      running_ = true;
      lock.unlock();
      std::vector<cv::Rect> boxes;
      std::string error;
      try {
        boxes = detect_(frame, pass);
      } catch (const std::exception& e) {
        error = e.what();
      }
      lock.lock();
      running_ = false;
      idle_.notify_all();
      if (asked != generation_) continue;  // reset() came in between
      boxes_ = std::move(boxes);
      done_pass_ = pass;
      error_ = std::move(error);
      done_ = true;
    }
  }

  Detect detect_;
  std::mutex m_;
  std::condition_variable wake_, idle_;
  bool stop_ = false, queued_ = false, running_ = false, done_ = false;
  uint64_t generation_ = 0, asked_ = 0;
  cv::Mat frame_;
  Pass pass_, done_pass_;
  std::vector<cv::Rect> boxes_;
  std::string error_;
  std::thread worker_;  // last: starts once the members above exist
};

FaceTracker::FaceTracker(FaceDetector& detector, Config config)
    : detector_(detector), config_(config) {}

FaceTracker::~FaceTracker() = default;

void FaceTracker::reset() {
  tracks_.clear();
  started_ = false;
  frames_ = 0;
  next_tile_ = 0;
  revisit_.clear();
  held_ = {};
  if (background_) background_->forget();
}

bool FaceTracker::background_step(const cv::Mat& rgb8, const Pass& pass, std::vector<cv::Rect>* dets, Pass* done) {
  if (!background_)
    background_ = std::make_unique<Background>([this](const cv::Mat& f, const Pass& p) { return detect(f, p); });
  const bool got = background_->take(dets, done);
  // A pass due while the worker is busy waits (merged with any other that
  // comes due meanwhile; a second tile goes back to the front of the rotation).
  if (pass.any()) {
    held_.downscaled |= pass.downscaled;
    held_.full |= pass.full;
    held_.reach = pass.reach;
    if (held_.tile.empty()) held_.tile = pass.tile;
    else if (!pass.tile.empty()) revisit_.insert(revisit_.begin(), pass.tile);
  }
  if (held_.any() && !background_->busy()) {
    background_->submit(rgb8, held_);
    held_ = {};
  }
  return got;
}

void FaceTracker::fit_to_detection(Track& track, const cv::Mat& rgb8, const cv::Rect& box) {
  track.raw = detector_.landmarks(rgb8, box);
  track.box = box;
  const Spread s = spread_of(track.raw);
  const cv::Point2f box_centre(box.x + box.width * 0.5f, box.y + box.height * 0.5f);
  track.box_offset = (box_centre - s.centre) * (1.f / s.radius);
  track.box_width = float(box.width) / s.radius;
  track.box_aspect = float(box.height) / float(std::max(1, box.width));
}

void FaceTracker::refit(Track& track, const cv::Mat& rgb8) {
  // Box predicted from the last landmarks, then landmarks re-fitted in it,
  // then the box re-derived so it follows the face's new position and size.
  const auto box_from = [&](const Landmarks& l) {
    const Spread s = spread_of(l);
    const cv::Point2f c = s.centre + track.box_offset * s.radius;
    const float w = track.box_width * s.radius, h = w * track.box_aspect;
    return cv::Rect(int(std::lround(c.x - w / 2)), int(std::lround(c.y - h / 2)),
                    std::max(1, int(std::lround(w))), std::max(1, int(std::lround(h))));
  };
  track.raw = detector_.landmarks(rgb8, box_from(track.raw));
  track.box = box_from(track.raw);
}

std::vector<TrackedFace> FaceTracker::track(const cv::Mat& rgb8, double t) {
  if (frames_ > 0 && t <= last_seconds_) t = last_seconds_ + 1.0 / kFallbackFps;
  if (t < 0) t = 0;
  Pass pass;
  pass.downscaled = frames_ % std::max(1, config_.detect_interval) == 0;
  const int every = config_.tile_interval;
  const std::vector<cv::Rect> tiles = every > 0 && detector_.kind() == DetectorKind::Hog
                                          ? detection_tiles(rgb8.size(), config_.detect_width)
                                          : std::vector<cv::Rect>{};
  if (!tiles.empty()) {
    pass.reach = downscaled_reach(rgb8.cols, config_.detect_width);
    if (frames_ == 0 && rgb8.total() <= size_t(kFullScanMaxPixels)) {
      pass.full = true;  // every tile at once: cheaper as one scan (no overlaps)
    } else if (frames_ % every == every / 2) {  // between the downscaled passes when the intervals match
      if (!revisit_.empty()) {
        pass.tile = revisit_.front();
        revisit_.erase(revisit_.begin());
      } else {
        pass.tile = tiles[next_tile_++ % tiles.size()];
      }
    }
  }
  std::vector<cv::Rect> dets;
  std::vector<TrackedFace> faces;
  Pass done;
  if (config_.background_detection && frames_ > 0) {  // the first frame is searched now (a still photo)
    const bool got = background_step(rgb8, pass, &dets, &done);
    faces = step(rgb8, t, got ? done : Pass{}, dets, /*stale=*/true);
  } else {
    if (pass.any()) dets = detect(rgb8, pass);
    faces = step(rgb8, t, pass, dets, /*stale=*/false);
  }
  last_seconds_ = t;
  ++frames_;
  return faces;
}

std::vector<TrackedFace> FaceTracker::update(const cv::Mat& rgb8, double t, bool run_detector) {
  Pass pass;
  pass.downscaled = run_detector;
  if (background_) background_->forget();  // the detector runs here now
  return step(rgb8, t, pass, pass.any() ? detect(rgb8, pass) : std::vector<cv::Rect>{}, /*stale=*/false);
}

std::vector<cv::Rect> FaceTracker::detect(const cv::Mat& rgb8, const Pass& pass) {
  // One box per face: full-resolution boxes first, the downscaled pass's where
  // they found nothing, then the tile's.
  std::vector<cv::Rect> boxes;
  if (pass.full) boxes = detector_.detect(rgb8, 0);
  if (pass.downscaled) boxes = merge_boxes(boxes, detector_.detect(rgb8, config_.detect_width), config_.iou_threshold);
  if (!pass.tile.empty())
    boxes = merge_boxes(boxes, detect_in_tile(detector_, rgb8, pass.tile), config_.iou_threshold);
  return boxes;
}

bool FaceTracker::could_see(const Pass& pass, const cv::Rect& box, cv::Size frame) const {
  return pass.full || (pass.downscaled && std::max(box.width, box.height) >= pass.reach) ||
         (!pass.tile.empty() && tile_sees(pass.tile, box, frame));
}

std::vector<TrackedFace> FaceTracker::step(const cv::Mat& rgb8, double t, const Pass& pass,
                                           const std::vector<cv::Rect>& dets, bool stale) {
  // Faces present from the very first frame have nothing to fade in from (a
  // still photo must be fully processed): they start at full presence.
  const bool first_frame = !started_;
  started_ = true;
  const int fade = std::max(1, config_.fade_frames);
  std::vector<bool> fitted(tracks_.size(), false);
  std::vector<bool> confirmed(tracks_.size(), false);  // stale boxes: matched, re-fitted below
  if (pass.any()) {
    // Greedy matching, best overlap first; fading tracks may be revived.
    std::vector<std::tuple<float, size_t, size_t>> pairs;
    for (size_t i = 0; i < tracks_.size(); ++i)
      for (size_t j = 0; j < dets.size(); ++j)
        if (const float o = iou(tracks_[i].box, dets[j]); o >= config_.iou_threshold)
          pairs.emplace_back(o, i, j);
    std::sort(pairs.begin(), pairs.end(), [](auto& a, auto& b) { return std::get<0>(a) > std::get<0>(b); });
    std::vector<bool> det_used(dets.size(), false);
    for (const auto& [o, i, j] : pairs) {
      if (fitted[i] || confirmed[i] || det_used[j]) continue;
      det_used[j] = true;
      if (stale) {
        confirmed[i] = true;  // its own landmarks are newer than this box
      } else {
        fitted[i] = true;
        fit_to_detection(tracks_[i], rgb8, dets[j]);
      }
      tracks_[i].missed = 0;
      tracks_[i].fading = false;
    }
    bool tile_missed = false;
    for (size_t i = 0; i < tracks_.size(); ++i) {
      if (fitted[i] || confirmed[i] || !could_see(pass, tracks_[i].box, rgb8.size())) continue;
      if (++tracks_[i].missed >= config_.max_missed) tracks_[i].fading = true;
      tile_missed |= !tracks_[i].fading && !pass.tile.empty() && tile_sees(pass.tile, tracks_[i].box, rgb8.size());
    }
    // A face a tile saw before and not now: the tile comes again next (not
    // after a whole rotation), so a face that left fades out in about as
    // many frames as one the downscaled pass follows.
    if (tile_missed && std::find(revisit_.begin(), revisit_.end(), pass.tile) == revisit_.end())
      revisit_.push_back(pass.tile);
    for (size_t j = 0; j < dets.size(); ++j) {
      if (det_used[j]) continue;
      Track track;
      track.id = next_id_++;
      track.smoother = LandmarkSmoother({config_.min_cutoff, config_.beta, config_.d_cutoff});
      fit_to_detection(track, rgb8, dets[j]);
      if (first_frame) track.presence_steps = fade - 1;
      tracks_.push_back(std::move(track));
      fitted.push_back(true);
    }
  }
  for (size_t i = 0; i < tracks_.size(); ++i)
    if (!fitted[i] && !tracks_[i].fading) refit(tracks_[i], rgb8);

  // Re-fits can drift onto a face another track already follows.
  for (size_t i = 0; i < tracks_.size(); ++i)
    for (size_t j = i + 1; j < tracks_.size(); ++j)
      if (!tracks_[i].fading && !tracks_[j].fading && iou(tracks_[i].box, tracks_[j].box) > kDuplicateIou)
        tracks_[j].fading = true;  // j is younger: ids grow with position

  std::vector<TrackedFace> out;
  for (auto& track : tracks_) {
    if (track.fading) {
      track.presence_steps = std::max(0, track.presence_steps - 1);  // landmarks stay frozen
    } else {
      track.presence_steps = std::min(fade, track.presence_steps + 1);
      track.smoothed = track.smoother.filter(track.raw, t);
    }
    if (track.presence_steps > 0)
      out.push_back({track.id, track.box, track.raw, track.smoothed, float(track.presence_steps) / float(fade)});
  }
  std::erase_if(tracks_, [](const Track& tr) { return tr.fading && tr.presence_steps == 0; });
  return out;
}

}  // namespace cartoonize::faces
