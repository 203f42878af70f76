// cartoonize-bench: how fast the element's paths run on this machine, per
// stage, next to baselines measured in the same run.
//
//   cartoonize-bench [--model FILE] [--data DIR] [--reps N] [--threads 1,2]
//                    [--inference-sizes 256,...] [--device cpu|cuda|all] [--quick]
//                    [--no-faces] [--no-gst] [--busy N] [--save-frames DIR]
//                    [--md FILE] [--csv FILE] [--out DIR] [--detectors-only]
//                    [--student FILE [--student-only]]
//
// Frame mode at 256², 640x480, 1280x720, 1920x1080, at full resolution and at
// each reduced inference size (guided upsampling), with PSNR/SSIM against the
// full-resolution output; face mode at 640x480 and 1920x1080 with one face
// and a mosaic of four photos (4+ faces), per stage and end to end. The face
// detectors (the element's `detector` choices: dlib HOG at detect-width 640,
// face-api tiny; at 1920x1080 also HOG at 640 plus full-resolution tiles) on
// the same frames, on a frame of each shared clip, on the group photos as
// they are and on a face-free frame (the photos' bottom parts), with recall of
// dlib's full-resolution faces (--detectors-only: just these).
// Baseline (a): the same weights in plain LibTorch eager fp32, one frame at a
// time with the host<->device copies (see frame_bench.h). Baseline (b): the
// whole gst-launch-1.0 pipeline (rawvideoparse ! cartoonize ! fakesink
// sync=false) on the same frame, per frame, next to the Engine alone, with and
// without OMP_WAIT_POLICY=passive in its environment (and with --busy N
// spinning processes competing for the cores). Baseline (c) is Python:
// tools/bench/eager_baseline.py. --student FILE: the model and its distilled
// student side by side (face mode at 1 and 3 faces, 640x480 and 1080p, frame
// mode @256, gst-launch face mode), ratio full / student; --student-only:
// just that.
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <string>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include "bench_frames.h"
#include "detect_tiles.h"
#include "detector.h"
#include "engine.h"
#include "face_crops.h"
#include "face_fixtures.h"
#include "frame_bench.h"
#include "paste.h"
#include "tracker.h"
#include "tiny_face_detector.h"

namespace cf = cartoonize::faces;
namespace cb = cartoonize::bench;
using Clock = std::chrono::steady_clock;
using cb::median_ms;
using cb::Row;

namespace {

struct Options {
  std::string model, student, data = "../shared/data", out, md, csv, save_frames;
  int reps = 5;
  std::vector<int> threads = {1, 2};
  std::vector<int> inference_sizes = {256};
  std::string device = "cpu";  // cpu | cuda | all
  bool quick = false, faces = true, gst = true, detectors_only = false, student_only = false;
  int busy = 1;
};

std::string size_name(int w, int h) { return std::to_string(w) + "x" + std::to_string(h); }

// A photo file as RGB.
cv::Mat read_rgb(const std::string& path) {
  const cv::Mat bgr = cv::imread(path);
  if (bgr.empty()) throw std::runtime_error("cannot read " + path);
  cv::Mat rgb;
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  return rgb;
}

std::vector<cv::Mat> read_rgb(const std::vector<std::string>& paths) {
  std::vector<cv::Mat> out;
  for (const auto& p : paths) out.push_back(read_rgb(p));
  return out;
}

// A real photo cropped to the aspect of w x h and resized (RGB; bench_frames.h).
cv::Mat frame_from(const std::string& path, int w, int h) { return cb::fitted_frame(read_rgb(path), w, h); }

// Four photos in a 2x2 grid: a frame with several faces at several sizes.
cv::Mat mosaic_from(const std::vector<std::string>& paths, int w, int h) {
  return cb::mosaic_frame(read_rgb(paths), w, h);
}

torch::Tensor tensor_of(const cv::Mat& rgb) {
  return torch::from_blob(rgb.data, {rgb.rows, rgb.cols, 3}, {long(rgb.step[0]), 3, 1}, torch::kUInt8).clone();
}

// Runs a shell command, returns its wall time in ms (or -1 when it failed).
double timed_shell(const std::string& cmd) {
  auto t0 = Clock::now();
  const int rc = std::system(cmd.c_str());
  const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  return rc == 0 ? ms : -1;
}

// `count` processes spinning on a core each until stopped (a busy pipeline:
// decoders, encoders, other filters).
struct Spinners {
  std::vector<pid_t> pids;
  explicit Spinners(int count) {
    for (int i = 0; i < count; ++i) {
      pid_t p = fork();
      if (p == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive the benchmark
        volatile unsigned long x = 0;
        for (;;) x = x + 1;
      }
      if (p > 0) pids.push_back(p);
    }
  }
  ~Spinners() {
    for (pid_t p : pids) {
      kill(p, SIGKILL);
      waitpid(p, nullptr, 0);
    }
  }
};

// Baseline (b): gst-launch-1.0 with the element on `frames` copies of the
// frame. Per-frame time = (T(n) - T(1)) / (n - 1): start-up (plugin and
// model loading) cancels out.
double gst_ms_per_frame(const std::string& raw, int w, int h, int frames, const std::string& element,
                        const std::string& env) {
  auto pipeline = [&](int n) {
    return env + " gst-launch-1.0 -q filesrc location='" + raw + "' num-buffers=" + std::to_string(n) +
           " blocksize=" + std::to_string(w * h * 3) + " ! rawvideoparse width=" + std::to_string(w) +
           " height=" + std::to_string(h) + " format=rgb framerate=30/1 ! " + element +
           " ! fakesink sync=false > /dev/null";
  };
  const double one = timed_shell(pipeline(1));
  const double many = timed_shell(pipeline(frames));
  if (one < 0 || many < 0) return -1;
  return (many - one) / (frames - 1);
}

// Face mode end to end as the element runs it (the tracker with the
// element's defaults, then the host face pipeline), ms per frame over whole
// detection intervals.
// One frame of face mode as the element runs it by default, in place: the
// tracker, then the host face pipeline (min-crop-size at its default).
void face_frame(cf::FaceTracker& tracker, cartoonize::Engine& engine, cv::Mat& frame, double t) {
  cf::FaceFrameOptions options;
  options.style.min_crop = cf::kDefaultMinCrop;
  const auto tracked = tracker.track(frame, t);
  cf::cartoonize_faces_in_frame(engine, cf::view_of(frame, cartoonize::PixelLayout::RGB), tracked, options);
}

double face_mode_ms(cartoonize::Engine& engine, cf::FaceDetector& detector, const cv::Mat& frame, int reps) {
  cf::FaceTracker tracker(detector, {});
  const int interval = tracker.config().detect_interval;
  return median_ms(reps, [&] {
           for (int k = 0; k < interval; ++k) {
             cv::Mat f = frame.clone();
             face_frame(tracker, engine, f, -1.0);
           }
         }) /
         interval;
}

// Face mode on a live stream: `frames` frames handed over at 30 fps (the
// tracker's background_detection as the element sets it for live sources, or
// detection in step), each frame's own time (track + faces) measured: the
// mean and the worst frame, which a live sink sees.
std::pair<double, double> live_face_ms(cartoonize::Engine& engine, cf::FaceDetector& detector, const cv::Mat& frame,
                                       bool background, int frames) {
  cf::FaceTracker::Config config;
  config.background_detection = background;
  cf::FaceTracker tracker(detector, config);
  const auto period = std::chrono::microseconds(33333);
  auto next = Clock::now();
  double sum = 0, worst = 0;
  for (int k = 0; k < frames; ++k) {
    std::this_thread::sleep_until(next);
    next += period;
    cv::Mat f = frame.clone();
    const auto t0 = Clock::now();
    face_frame(tracker, engine, f, k / 30.0);
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    if (k == 0) continue;  // the first frame is searched in step either way
    sum += ms;
    worst = std::max(worst, ms);
  }
  return {sum / (frames - 1), worst};
}

void face_rows(std::vector<Row>& rows, cartoonize::Engine& engine, cf::FaceDetector& detector, const cv::Mat& frame,
               const std::string& size, int threads, int reps) {
  const int crop = engine.model_info().input_size;
  auto add = [&](const std::string& item, double ms, const std::string& note = "") {
    Row r{"face stages", size + ": " + item, "cpu", threads, ms};
    r.rss_mb = cb::peak_rss_mb();
    r.note = note;
    rows.push_back(r);
  };
  std::vector<cv::Rect> boxes;
  add("detect full res", median_ms(std::max(1, reps / 2), [&] { boxes = detector.detect(frame, 0); }));
  const int width = cf::kDefaultDetectWidth;
  add("detect at " + std::to_string(width), median_ms(reps, [&] { boxes = detector.detect(frame, width); }));
  rows.back().note = std::to_string(boxes.size()) + " faces";
  if (boxes.empty()) return;
  std::vector<cf::TrackedFace> faces;
  add("landmarks (all faces)", median_ms(reps, [&] {
        faces.clear();
        for (const auto& b : boxes) {
          cf::Landmarks lm = detector.landmarks(frame, b);
          faces.push_back({int(faces.size()), b, lm, lm, 1.f});
        }
      }));
  std::vector<cf::FaceCrop> crops;
  const double align = median_ms(reps, [&] { crops = cf::extract_faces(frame, faces, crop, {}); });
  add("align + mask", align);
  add("generator (one batch)", median_ms(reps, [&] {
        auto c = cf::extract_faces(frame, faces, crop, {});
        cf::cartoonize_crops(c, engine, cartoonize::PixelLayout::RGB);
      }) - align,
      std::to_string(faces.size()) + " x " + std::to_string(crop) + "²");
  if (faces.size() > 1) {  // what the one batch saves: the same crops one generator call each
    add("generator (one call per face)", median_ms(reps, [&] {
          auto c = cf::extract_faces(frame, faces, crop, {});
          for (auto& one : c) {
            std::vector<cf::FaceCrop> single{one};
            cf::cartoonize_crops(single, engine, cartoonize::PixelLayout::RGB);
          }
        }) - align,
        std::to_string(faces.size()) + " calls of 1 x " + std::to_string(crop) + "²");
  }
  cf::cartoonize_crops(crops, engine, cartoonize::PixelLayout::RGB);
  cv::Mat out = frame.clone();
  add("paste-back", median_ms(reps, [&] { cf::paste_faces(out, crops, 1.f); }));
  // End to end as the element runs it, with the element's defaults
  // (face_mode_ms).
  const cf::FaceTracker::Config defaults;
  Row r{"face mode end to end", size, "cpu", threads, face_mode_ms(engine, detector, frame, 10)};
  r.rss_mb = cb::peak_rss_mb();
  r.note = "detect every " + std::to_string(defaults.detect_interval) + "th frame at " +
           std::to_string(defaults.detect_width) + " px";
  const size_t tiles = cf::detection_tiles(frame.size(), defaults.detect_width).size();
  if (tiles > 0 && defaults.tile_interval > 0)
    r.note += " + one of " + std::to_string(tiles) + " full-res tiles every " +
              std::to_string(defaults.tile_interval) + "th";
  r.note += "; " + std::to_string(boxes.size()) + " faces";
  rows.push_back(r);
}

// dlib's faces found by `found` (IoU >= 0.5; both in HOG's box convention).
int matched(const std::vector<cv::Rect>& reference, const std::vector<cv::Rect>& found) {
  int n = 0;
  for (const cv::Rect& r : reference)
    for (const cv::Rect& f : found)
      if (cf::iou(r, f) >= 0.5f) {
        ++n;
        break;
      }
  return n;
}

// The element's detector choices on one frame: HOG at the default
// detect-width (640) and the tiny kind, against HOG at full resolution (also
// timed: what detect-width=0 costs).
void detector_rows(std::vector<Row>& rows, cf::FaceDetector& hog, cf::FaceDetector& tiny, const cv::Mat& frame,
                   const std::string& label, int threads, int reps) {
  std::vector<cv::Rect> reference, h, t;
  const double full_ms = median_ms(std::max(1, reps / 3), [&] { reference = hog.detect(frame, 0); });
  const int width = cf::kDefaultDetectWidth;
  const double hog_ms = median_ms(reps, [&] { h = hog.detect(frame, width); });
  const double tiny_ms = median_ms(reps, [&] { t = tiny.detect(frame, width); });
  const auto recall = [&](const std::vector<cv::Rect>& b) {
    return std::to_string(b.size()) + " boxes, " + std::to_string(matched(reference, b)) + "/" +
           std::to_string(reference.size()) + " of dlib's full-res faces";
  };
  Row rf{"face detector", label + ": hog full res", "cpu", threads, full_ms};
  rf.note = std::to_string(reference.size()) + " faces (the reference)";
  Row rh{"face detector", label + ": hog @" + std::to_string(width), "cpu", threads, hog_ms};
  rh.note = recall(h);
  Row rt{"face detector", label + ": tiny 224+416", "cpu", threads, tiny_ms};
  rt.note = recall(t);
  rt.stages = "tiny/hog time " + std::to_string(tiny_ms / hog_ms).substr(0, 4);
  std::vector<Row> out = {rf, rh, rt};
  // Tiles (frames wider than the detect width), as the tracker runs them with
  // the element's defaults: per detection run (every kDefaultDetectInterval
  // frames) the downscaled pass plus kDefaultDetectInterval / kDefaultTileInterval
  // tiles; recall of the downscaled pass merged with one whole rotation.
  const std::vector<cv::Rect> tiles = cf::detection_tiles(frame.size(), width);
  if (!tiles.empty()) {
    std::vector<cv::Rect> merged = h;
    double tile_sum = 0, tile_max = 0;
    for (const cv::Rect& tile : tiles) {
      std::vector<cv::Rect> found;
      const double ms = median_ms(std::max(1, reps / 3), [&] { found = cf::detect_in_tile(hog, frame, tile); });
      tile_sum += ms;
      tile_max = std::max(tile_max, ms);
      merged = cf::merge_boxes(merged, found, cf::FaceTracker::Config{}.iou_threshold);
    }
    const double tile_mean = tile_sum / double(tiles.size());
    const double per_run = hog_ms + tile_mean * cf::kDefaultDetectInterval / cf::kDefaultTileInterval;
    Row rx{"face detector", label + ": hog @" + std::to_string(width) + " + tiles", "cpu", threads, per_run};
    rx.note = recall(merged) + " after " + std::to_string(tiles.size() * cf::kDefaultTileInterval) +
              " frames; ms per detection run (every " + std::to_string(cf::kDefaultDetectInterval) + " frames)";
    rx.stages = std::to_string(tiles.size()) + " tiles " + std::to_string(tiles[0].width) + "x" +
                std::to_string(tiles[0].height) + ", tile mean " + std::to_string(int(tile_mean + 0.5)) + " max " +
                std::to_string(int(tile_max + 0.5)) + "; per frame " +
                std::to_string(per_run / cf::kDefaultDetectInterval).substr(0, 4) + " (hog @" +
                std::to_string(width) + " alone " + std::to_string(hog_ms / cf::kDefaultDetectInterval).substr(0, 4) +
                ")";
    out.push_back(rx);
  }
  for (Row& r : out) {
    r.rss_mb = cb::peak_rss_mb();
    rows.push_back(r);
  }
  std::fputs(cb::to_markdown(out).c_str(), stderr);  // progress
}

// A frame of a clip (RGB), fitted to w x h like the photos.
cv::Mat clip_frame(const std::string& path, int index, int w, int h) {
  cv::VideoCapture cap(path, cv::CAP_FFMPEG);
  cv::Mat bgr;
  for (int i = 0; i <= index; ++i)
    if (!cap.read(bgr)) throw std::runtime_error("cannot read frame " + std::to_string(index) + " of " + path);
  cv::Mat rgb;
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  return cb::fitted_frame(rgb, w, h);
}

// Small faces through smaller crops: the faces dlib finds at full resolution
// in `frame`, aligned at 128 (the size the models are trained at), 96 and 64
// px, restyled in one batch and pasted back; the generator's time and the
// PSNR of the pasted faces against the 128-px result.
void crop_size_rows(std::vector<Row>& out, cartoonize::Engine& engine, cf::FaceDetector& detector, const cv::Mat& frame,
                    const std::string& label, int threads, int reps) {
  std::vector<cf::TrackedFace> faces;
  int smallest = 1 << 30, largest = 0;
  for (const cv::Rect& b : detector.detect(frame, 0)) {
    const cf::Landmarks lm = detector.landmarks(frame, b);
    faces.push_back({int(faces.size()), b, lm, lm, 1.f});
    smallest = std::min(smallest, b.width);
    largest = std::max(largest, b.width);
  }
  if (faces.empty()) return;
  cv::Mat reference;
  double reference_ms = 0;
  cv::Mat region(frame.size(), CV_8UC1, cv::Scalar(0));
  // Every face at 128, 96 or 64 px, then each at its own size (min-crop-size).
  for (const auto& [size, min_crop] : std::vector<std::pair<int, int>>{{128, 0}, {96, 0}, {64, 0},
                                                                       {128, cf::kDefaultMinCrop}}) {
    std::vector<cf::FaceCrop> crops;
    cf::FaceStyle style;
    style.min_crop = min_crop;
    const double ms = median_ms(reps, [&] {
      crops = cf::extract_faces(frame, faces, size, style);
      cf::cartoonize_crops(crops, engine, cartoonize::PixelLayout::RGB);
    });
    cv::Mat pasted = frame.clone();
    cf::paste_faces(pasted, crops, 1.f);
    const std::string how = min_crop > 0 ? "by face size (min-crop-size " + std::to_string(min_crop) + ")"
                                         : "at " + std::to_string(size) + " px";
    Row r{"crop size", label + ": " + std::to_string(faces.size()) + " faces " + how, "cpu", threads, ms};
    r.note = "face boxes " + std::to_string(smallest) + "-" + std::to_string(largest) + " px; align + generator";
    if (min_crop > 0) {
      int lo = 1 << 30, hi = 0;
      for (const auto& c : crops) lo = std::min(lo, c.crop.rows), hi = std::max(hi, c.crop.rows);
      r.note += "; crops " + std::to_string(lo) + "-" + std::to_string(hi) + " px";
    }
    if (size == 128 && min_crop == 0) {
      reference = pasted;
      reference_ms = ms;
      for (const auto& c : crops) region(cf::paste_region(c.M, c.crop.size(), frame.size())).setTo(255);
    } else {
      r.baseline_ms = reference_ms;
      cv::Mat a, b;
      reference.copyTo(a, region);
      pasted.copyTo(b, region);
      const double mse = cv::norm(a, b, cv::NORM_L2SQR) / (3.0 * cv::countNonZero(region));
      r.psnr = 10 * std::log10(255.0 * 255.0 / std::max(mse, 1e-12));
      r.note += "; PSNR against the 128-px result over the faces";
    }
    r.rss_mb = cb::peak_rss_mb();
    out.push_back(r);
  }
}

// --student: the full model (--model) and its distilled student side by side
// in one run, on the same frames: face mode at 1 and 3 faces, 640x480 and
// 1920x1080, and frame mode at 640x480 @256; the student's rows carry the
// full model's time as their baseline (ratio = full / student).
void student_section(std::vector<Row>& rows, const Options& o, const std::string& one_face,
                     const std::string& group_photo, const cv::Mat& mosaic) {
  cf::FaceDetector detector;
  for (int threads : o.threads) {
    cartoonize::set_cpu_threads(threads);
    auto full = cartoonize::Engine::create({o.model, cartoonize::DeviceChoice::Cpu, std::nullopt, 256});
    auto student = cartoonize::Engine::create({o.student, cartoonize::DeviceChoice::Cpu, std::nullopt, 256});
    std::vector<Row> out;
    auto pair = [&](const std::string& item, double full_ms, double student_ms, const std::string& note) {
      Row f{"student vs full", item + ": full", "cpu", threads, full_ms};
      Row s{"student vs full", item + ": student", "cpu", threads, student_ms};
      s.baseline_ms = full_ms;
      f.note = s.note = note;
      for (Row* r : {&f, &s}) {
        r->rss_mb = cb::peak_rss_mb();
        out.push_back(*r);
      }
    };
    for (auto [w, h] : std::vector<std::pair<int, int>>{{640, 480}, {1920, 1080}}) {
      for (const auto& [label, photo] : std::vector<std::pair<std::string, std::string>>{{"1 face", one_face},
                                                                                         {"group photo", group_photo}}) {
        const cv::Mat frame = frame_from(photo, w, h);
        const size_t faces = detector.detect(frame, cf::kDefaultDetectWidth).size();
        const double f_ms = face_mode_ms(*full, detector, frame, o.reps);
        const double s_ms = face_mode_ms(*student, detector, frame, o.reps);
        pair("face mode " + size_name(w, h) + " " + label, f_ms, s_ms, std::to_string(faces) + " faces at 640 px");
      }
    }
    const cv::Mat frame = frame_from(one_face, 640, 480);
    auto frame_ms = [&](cartoonize::Engine& engine) {
      cv::Mat work;
      return median_ms(o.reps, [&] {
        work = frame.clone();
        engine.cartoonize_frame(cf::view_of(work, cartoonize::PixelLayout::RGB), 1.f);
      });
    };
    pair("frame mode 640x480 @256", frame_ms(*full), frame_ms(*student), "inference-size 256, guided upsample");
    for (const bool background : {false, true}) {
      const int n = o.quick ? 31 : 91;
      const auto [f_mean, f_worst] = live_face_ms(*full, detector, frame, background, n);
      const auto [s_mean, s_worst] = live_face_ms(*student, detector, frame, background, n);
      pair(std::string("live face mode 640x480 1 face, detection ") + (background ? "in background" : "in step"),
           f_mean, s_mean, std::to_string(n - 1) + " frames at 30 fps; mean per frame");
      out[out.size() - 2].stages = "worst frame " + std::to_string(int(f_worst + 0.5)) + " ms";
      out.back().stages = "worst frame " + std::to_string(int(s_worst + 0.5)) + " ms";
    }
    crop_size_rows(out, *full, detector, mosaic, "1920x1080 4-photo mosaic, full model", threads, o.reps);
    crop_size_rows(out, *student, detector, mosaic, "1920x1080 4-photo mosaic, student", threads, o.reps);
    // Through gst-launch-1.0 (decode-free: raw frames of one face), the
    // element in face mode with either file.
    if (o.gst && std::system("gst-inspect-1.0 cartoonize > /dev/null 2>&1") == 0) {
      const std::string raw = (std::filesystem::temp_directory_path() / "cartoonize-bench-student.rgb").string();
      const int n = o.quick ? 12 : 40;
      {
        std::ofstream f(raw, std::ios::binary);
        for (int i = 0; i < n; ++i) f.write(reinterpret_cast<const char*>(frame.data), std::streamsize(640 * 480 * 3));
      }
      auto element = [&](const std::string& model) {
        return "cartoonize device=cpu mode=face threads=" + std::to_string(threads) + " model-location=" + model;
      };
      const std::string env = "env OMP_WAIT_POLICY=passive";
      pair("gst-launch face mode 640x480 1 face", gst_ms_per_frame(raw, 640, 480, n, element(o.model), env),
           gst_ms_per_frame(raw, 640, 480, n, element(o.student), env),
           std::to_string(n) + " frames, (T(n)-T(1))/(n-1), OMP_WAIT_POLICY=passive");
      std::filesystem::remove(raw);
    }
    std::fputs(cb::to_markdown(out).c_str(), stderr);  // progress
    rows.insert(rows.end(), out.begin(), out.end());
  }
}

void detector_section(std::vector<Row>& rows, const Options& o, const std::string& one_face,
                      const std::vector<std::string>& mosaic_photos) {
  cf::FaceDetector hog;
  cf::FaceDetector tiny(cf::kDefaultPredictorPath, cf::DetectorKind::Tiny,
                        o.data + "/models/face-api/" + cartoonize::faceapi::TinyFaceDetector::kManifestName);
  for (int threads : o.threads) {
    cartoonize::set_cpu_threads(threads);
    for (const std::string& photo : mosaic_photos) {  // the group photos as they are (1920 px wide)
      const cv::Mat bgr = cv::imread(photo);
      if (bgr.empty()) throw std::runtime_error("cannot read " + photo);
      cv::Mat rgb;
      cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
      detector_rows(rows, hog, tiny, rgb, std::filesystem::path(photo).filename().string() + " " +
                    size_name(rgb.cols, rgb.rows), threads, o.reps);
    }
    for (auto [w, h] : std::vector<std::pair<int, int>>{{640, 480}, {1920, 1080}}) {
      const std::string size = size_name(w, h);
      detector_rows(rows, hog, tiny, frame_from(one_face, w, h), size + " 1 face", threads, o.reps);
      detector_rows(rows, hog, tiny, frame_from(mosaic_photos[0], w, h), size + " group photo", threads, o.reps);
      detector_rows(rows, hog, tiny, mosaic_from(mosaic_photos, w, h), size + " 4-photo mosaic", threads, o.reps);
      for (const char* clip : {"lp_d9.mp4", "lp_s18.mp4"})
        detector_rows(rows, hog, tiny, clip_frame(o.data + "/video/" + clip, 60, w, h), size + " " + clip + " frame 60",
                      threads, o.reps);
      // Face-free: every box is a false face.
      detector_rows(rows, hog, tiny, cb::photo_bottoms(read_rgb(mosaic_photos), w, h), size + " face-free (photo bottoms)", threads,
                    o.reps);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  // The default style's file: $CARTOONIZE_DEFAULT_MODEL, else the style folder's (meson devenv sets it).
  if (const char* m = std::getenv("CARTOONIZE_DEFAULT_MODEL")) o.model = m;
  else if (const char* dir = std::getenv("CARTOONIZE_STYLE_DIR")) o.model = std::string(dir) + "/anime.ctzm";
  if (const char* d = std::getenv("CARTOONIZE_SHARED_DATA")) o.data = d;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error(a + " needs a value");
      return argv[++i];
    };
    if (a == "--model") o.model = next();
    else if (a == "--student") o.student = next();
    else if (a == "--data") o.data = next();
    else if (a == "--reps") o.reps = std::stoi(next());
    else if (a == "--threads") o.threads = cb::parse_list(next());
    else if (a == "--inference-sizes") o.inference_sizes = cb::parse_list(next());
    else if (a == "--device") o.device = next();
    else if (a == "--out") o.out = next();
    else if (a == "--md") o.md = next();
    else if (a == "--csv") o.csv = next();
    else if (a == "--save-frames") o.save_frames = next();
    else if (a == "--busy") o.busy = std::stoi(next());
    else if (a == "--quick") o.quick = true;
    else if (a == "--no-faces") o.faces = false;
    else if (a == "--no-gst") o.gst = false;
    else if (a == "--detectors-only") o.detectors_only = true;
    else if (a == "--student-only") o.student_only = true;
    else {
      std::printf(
          "usage: cartoonize-bench [--model FILE] [--student FILE] [--data DIR] [--reps N] [--threads 1,2]\n"
          "       [--inference-sizes 256] [--student-only]\n"
          "       [--device cpu|cuda|all] [--quick] [--no-faces] [--no-gst] [--busy N] [--save-frames DIR]\n"
          "       [--md FILE] [--csv FILE] [--out DIR] [--detectors-only]\n");
      return a == "--help" ? 0 : 2;
    }
  }
  if (o.model.empty()) {
    std::fprintf(stderr, "cartoonize-bench: --model FILE (or run inside meson devenv)\n");
    return 2;
  }
  if (!o.out.empty()) {
    std::filesystem::create_directories(o.out);
    if (o.md.empty()) o.md = o.out + "/bench.md";
    if (o.csv.empty()) o.csv = o.out + "/bench.csv";
  }
  try {
    const std::string one_face = o.data + "/photos/sample2.jpg";
    const std::vector<std::string> mosaic_photos = {o.data + "/photos/sample1.jpg", o.data + "/photos/sample2.jpg",
                                                    o.data + "/photos/sample3.jpg", o.data + "/photos/sample4.jpg"};
    std::vector<std::pair<int, int>> sizes = {{256, 256}, {640, 480}, {1280, 720}, {1920, 1080}};
    if (o.quick) sizes = {{256, 256}, {640, 480}};
    std::vector<Row> rows;
    if (o.detectors_only || o.student_only) {
      o.faces = false;
      o.gst = o.gst && o.student_only;
      sizes.clear();
    }
    if (o.student_only && o.student.empty()) throw std::runtime_error("--student-only needs --student FILE");

    if (!o.save_frames.empty()) {  // the same frames for gpu-check and eager_baseline.py on the GPU machine
      std::filesystem::create_directories(o.save_frames);
      for (auto [w, h] : std::vector<std::pair<int, int>>{{256, 256}, {640, 480}, {1280, 720}, {1920, 1080}})
        cb::write_ppm(o.save_frames + "/frame-" + size_name(w, h) + ".ppm", tensor_of(frame_from(one_face, w, h)));
      cf::FaceDetector detector;
      const int fixtures = cb::write_face_fixtures(o.save_frames, o.data, detector);
      std::printf("wrote 4 PPM frames and %d face warp/paste references (faces-*.pt) to %s\n", fixtures,
                  o.save_frames.c_str());
    }

    std::vector<std::pair<cartoonize::DeviceChoice, bool>> devices;  // (device, half)
    if (o.device != "cuda") devices.push_back({cartoonize::DeviceChoice::Cpu, false});
    if (o.device != "cpu" && cartoonize::cuda_available()) {
      devices.push_back({cartoonize::DeviceChoice::Cuda, false});
      devices.push_back({cartoonize::DeviceChoice::Cuda, true});
    }

    for (int threads : o.threads) {
      cartoonize::set_cpu_threads(threads);
      for (auto [device, half] : devices) {
        if (device == cartoonize::DeviceChoice::Cuda && threads != o.threads.front()) continue;
        for (auto [w, h] : sizes) {
          cb::FrameBenchConfig c;
          c.model = o.model;
          c.device = device;
          c.half = half;
          c.threads = threads;
          c.inference_sizes = o.inference_sizes;
          c.reps = o.reps;
          auto r = cb::bench_frame(c, tensor_of(frame_from(one_face, w, h)), "photo");
          rows.insert(rows.end(), r.begin(), r.end());
          std::fputs(cb::to_markdown(r).c_str(), stderr);  // progress
        }
      }
      if (!o.faces) continue;
      auto engine = cartoonize::Engine::create({o.model, cartoonize::DeviceChoice::Cpu, std::nullopt});
      cf::FaceDetector detector;
      for (auto [w, h] : std::vector<std::pair<int, int>>{{640, 480}, {1920, 1080}}) {
        face_rows(rows, *engine, detector, frame_from(one_face, w, h), size_name(w, h) + " 1 face", threads, o.reps);
        face_rows(rows, *engine, detector, frame_from(mosaic_photos[0], w, h), size_name(w, h) + " group photo",
                  threads, o.reps);
        face_rows(rows, *engine, detector, mosaic_from(mosaic_photos, w, h), size_name(w, h) + " 4-photo mosaic",
                  threads, o.reps);
      }
    }

    if ((o.faces || o.detectors_only) && !o.student_only) detector_section(rows, o, one_face, mosaic_photos);
    if (!o.student.empty())
      student_section(rows, o, one_face, mosaic_photos[0], mosaic_from(mosaic_photos, 1920, 1080));

    // Baseline (b): the whole pipeline through gst-launch-1.0 vs the Engine
    // alone, on the same 640x480 frame, 2 threads, with and without
    // OMP_WAIT_POLICY=passive, idle and with spinning competitors.
    if (o.gst && !o.student_only && std::system("gst-inspect-1.0 cartoonize > /dev/null 2>&1") == 0) {
      const int w = 640, h = 480, threads = o.threads.back();
      cv::Mat frame = frame_from(one_face, w, h);
      const std::string raw = (std::filesystem::temp_directory_path() / "cartoonize-bench-frames.rgb").string();
      const int frames = o.quick ? 6 : 12;
      {
        std::ofstream f(raw, std::ios::binary);
        for (int i = 0; i < frames; ++i) f.write(reinterpret_cast<const char*>(frame.data), std::streamsize(w * h * 3));
      }
      cartoonize::set_cpu_threads(threads);
      for (int size_px : {0, o.inference_sizes.empty() ? 0 : o.inference_sizes.front()}) {
        if (size_px == 0 && o.quick) continue;
        cartoonize::EngineOptions eo{o.model, cartoonize::DeviceChoice::Cpu, std::nullopt, size_px};
        auto engine = cartoonize::Engine::create(eo);
        const std::string element = "cartoonize device=cpu threads=" + std::to_string(threads) +
                                    " inference-size=" + std::to_string(size_px);
        std::vector<int> busy_levels = {0};
        if (o.busy > 0) busy_levels.push_back(o.busy);
        for (int busy : busy_levels) {
          Spinners spin(busy);
          cv::Mat work;
          const double alone = median_ms(o.reps, [&] {
            work = frame.clone();
            engine->cartoonize_frame({work.data, w, h, std::ptrdiff_t(work.step[0]), cartoonize::PixelLayout::RGB},
                                     1.f);
          });
          for (const char* policy : {"", "passive"}) {
            const std::string env = *policy ? std::string("env OMP_WAIT_POLICY=") + policy : "env -u OMP_WAIT_POLICY";
            const double per_frame = gst_ms_per_frame(raw, w, h, frames, element, env);
            Row r{"gst-launch (b)", size_name(w, h) + (size_px ? " @" + std::to_string(size_px) : " full"), "cpu",
                  threads, per_frame};
            r.baseline_ms = -1;
            r.rss_mb = cb::peak_rss_mb();
            r.stages = "Engine alone " + std::to_string(int(alone + 0.5)) + " ms (" +
                       std::to_string(alone / per_frame).substr(0, 4) + "x of the pipeline's fps)";
            r.note = std::string("OMP_WAIT_POLICY=") + (*policy ? policy : "unset") + ", " + std::to_string(busy) +
                     " spinning processes; " + std::to_string(frames) + " frames, (T(n)-T(1))/(n-1)";
            if (per_frame < 0)  // -1: gst-launch failed; else the short run stalled longer than the long one
              r.note = (per_frame == -1 ? "gst-launch-1.0 failed; " : "T(n) < T(1), a stall: no valid figure; ") + r.note;
            rows.push_back(r);
            std::fputs(cb::to_markdown({r}).c_str(), stderr);
          }
        }
      }
      std::filesystem::remove(raw);
    } else if (o.gst && !o.student_only) {
      std::fprintf(stderr, "cartoonize-bench: gst-inspect-1.0 cannot find the cartoonize element; baseline (b) skipped "
                           "(run inside meson devenv)\n");
    }

    std::ostringstream md;
    md << cb::to_markdown(rows) << "\nRSS high-water is the process's, cumulative over the run; model " << o.model
       << "; " << (cartoonize::cuda_available() ? "CUDA device present" : "no CUDA device here") << "\n";
    std::fputs(md.str().c_str(), stdout);
    cb::write_text(o.md, md.str());
    cb::write_text(o.csv, cb::to_csv(rows));
    if (!o.md.empty()) std::printf("wrote %s\n", o.md.c_str());
    if (!o.csv.empty()) std::printf("wrote %s\n", o.csv.c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cartoonize-bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
