// cartoonize-bench: how fast the element's paths run on this machine, per
// stage, next to a naive baseline measured in the same run.
//
//   cartoonize-bench [--model FILE] [--data DIR] [--reps N] [--threads 1,2] [--out DIR] [--quick]
//
// Prints a Markdown table and writes bench.md / bench.csv to --out.
// Baseline (a): the same weights through plain LibTorch eager, fp32, the frame
// converted with per-pixel loops into a float tensor and back (what a naive
// wrapper does); the element's path is the Engine.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "align.h"
#include "detector.h"
#include "engine.h"
#include "face_crops.h"
#include "model_file.h"
#include "paste.h"
#include "tracker.h"

namespace cf = cartoonize::faces;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
  std::string model, data = "../shared/data", out = "out/bench";
  int reps = 5;
  std::vector<int> threads = {1, 2};
  bool quick = false;
};

double median_ms(int reps, const std::function<void()>& fn) {
  fn();  // warm-up
  std::vector<double> t;
  for (int i = 0; i < reps; ++i) {
    auto t0 = Clock::now();
    fn();
    t.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

double peak_rss_mb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return double(ru.ru_maxrss) / 1024.0;
}

// A real photo cropped to the aspect of w x h and resized (RGB).
cv::Mat frame_from(const std::string& path, int w, int h) {
  cv::Mat bgr = cv::imread(path);
  if (bgr.empty()) throw std::runtime_error("cannot read " + path);
  const double want = double(w) / h, have = double(bgr.cols) / bgr.rows;
  cv::Rect r(0, 0, bgr.cols, bgr.rows);
  if (have > want) r = cv::Rect(int((bgr.cols - bgr.rows * want) / 2), 0, int(bgr.rows * want), bgr.rows);
  else r = cv::Rect(0, int((bgr.rows - bgr.cols / want) / 2), bgr.cols, int(bgr.cols / want));
  cv::Mat out, rgb;
  cv::resize(bgr(r), out, cv::Size(w, h), 0, 0, cv::INTER_AREA);
  cv::cvtColor(out, rgb, cv::COLOR_BGR2RGB);
  return rgb;
}

cartoonize::ImageView view_of(cv::Mat& m) {
  return {m.data, m.cols, m.rows, std::ptrdiff_t(m.step[0]), cartoonize::PixelLayout::RGB};
}

// Baseline (a): per-pixel loops into a float tensor, eager forward, loops back.
void naive_frame(cartoonize::Generator& g, cv::Mat& rgb) {
  torch::NoGradGuard ng;
  torch::Tensor x = torch::empty({1, 3, rgb.rows, rgb.cols});
  auto a = x.accessor<float, 4>();
  for (int y = 0; y < rgb.rows; ++y)
    for (int c = 0; c < rgb.cols; ++c)
      for (int k = 0; k < 3; ++k) a[0][k][y][c] = rgb.at<cv::Vec3b>(y, c)[k] / 127.5f - 1.f;
  torch::Tensor out = g->forward(x);
  auto o = out.accessor<float, 4>();
  for (int y = 0; y < rgb.rows; ++y)
    for (int c = 0; c < rgb.cols; ++c)
      for (int k = 0; k < 3; ++k)
        rgb.at<cv::Vec3b>(y, c)[k] = cv::saturate_cast<uint8_t>((o[0][k][y][c] + 1.f) * 127.5f);
}

struct Row {
  std::string group, item;
  int threads;
  double ms, baseline_ms;  // baseline_ms <= 0: none
  std::string note;
};

std::vector<int> parse_list(const std::string& s) {
  std::vector<int> v;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) v.push_back(std::stoi(item));
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  const char* env_model = std::getenv("CARTOONIZE_DEFAULT_MODEL");
  if (env_model) o.model = env_model;
  const char* env_data = std::getenv("CARTOONIZE_SHARED_DATA");
  if (env_data) o.data = env_data;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error(a + " needs a value");
      return argv[++i];
    };
    if (a == "--model") o.model = next();
    else if (a == "--data") o.data = next();
    else if (a == "--reps") o.reps = std::stoi(next());
    else if (a == "--threads") o.threads = parse_list(next());
    else if (a == "--out") o.out = next();
    else if (a == "--quick") o.quick = true;
    else {
      std::printf("usage: cartoonize-bench [--model FILE] [--data DIR] [--reps N] [--threads 1,2] [--out DIR] [--quick]\n");
      return a == "--help" ? 0 : 2;
    }
  }
  if (o.model.empty()) {
    std::fprintf(stderr, "cartoonize-bench: --model FILE (or run inside meson devenv)\n");
    return 2;
  }
  try {
    auto engine = cartoonize::Engine::create({o.model, cartoonize::DeviceChoice::Cpu, std::nullopt});
    auto native = cartoonize::load_model_file(o.model);
    const int crop = engine->model_info().input_size;
    const std::string one_face = o.data + "/photos/sample2.jpg", many_faces = o.data + "/photos/sample1.jpg";
    std::vector<Row> rows;
    std::vector<std::pair<int, int>> sizes = {{256, 256}, {640, 480}, {1280, 720}, {1920, 1080}};
    if (o.quick) sizes = {{256, 256}, {640, 480}};

    for (int threads : o.threads) {
      cartoonize::set_cpu_threads(threads);
      for (auto [w, h] : sizes) {
        cv::Mat base = frame_from(one_face, w, h);
        cv::Mat work;
        const int reps = w * h > 1000000 ? std::max(1, o.reps / 2) : o.reps;
        double ms = median_ms(reps, [&] {
          work = base.clone();
          engine->cartoonize_frame(view_of(work), 1.f);
        });
        double naive = median_ms(reps, [&] {
          work = base.clone();
          naive_frame(native.generator, work);
        });
        rows.push_back({"frame mode", std::to_string(w) + "x" + std::to_string(h), threads, ms, naive, ""});
      }

      cf::FaceDetector detector;
      for (auto [w, h] : std::vector<std::pair<int, int>>{{640, 480}, {1920, 1080}}) {
        for (const auto& [label, path] : std::vector<std::pair<std::string, std::string>>{{"1 face", one_face},
                                                                                            {"group", many_faces}}) {
          cv::Mat frame = frame_from(path, w, h);
          const std::string size = std::to_string(w) + "x" + std::to_string(h) + " " + label;
          std::vector<cv::Rect> boxes;
          rows.push_back({"face stages", size + ": detect full res", threads,
                          median_ms(std::max(1, o.reps / 2), [&] { boxes = detector.detect(frame, 0); }), -1, ""});
          rows.push_back({"face stages", size + ": detect at 640", threads,
                          median_ms(o.reps, [&] { boxes = detector.detect(frame, 640); }), -1,
                          std::to_string(boxes.size()) + " faces"});
          if (boxes.empty()) continue;
          std::vector<cf::TrackedFace> faces;
          rows.push_back({"face stages", size + ": landmarks (all faces)", threads, median_ms(o.reps, [&] {
                            faces.clear();
                            for (const auto& b : boxes) {
                              cf::Landmarks lm = detector.landmarks(frame, b);
                              faces.push_back({int(faces.size()), b, lm, lm, 1.f});
                            }
                          }), -1, ""});
          std::vector<cf::FaceCrop> crops;
          rows.push_back({"face stages", size + ": align + mask", threads,
                          median_ms(o.reps, [&] { crops = cf::extract_faces(frame, faces, crop, {}); }), -1, ""});
          rows.push_back({"face stages", size + ": generator (one batch)", threads, median_ms(o.reps, [&] {
                            auto c = cf::extract_faces(frame, faces, crop, {});
                            cf::cartoonize_crops(c, *engine, cartoonize::PixelLayout::RGB);
                          }) - rows.back().ms, -1, std::to_string(faces.size()) + " x " + std::to_string(crop) + "²"});
          cf::cartoonize_crops(crops, *engine, cartoonize::PixelLayout::RGB);
          cv::Mat out = frame.clone();
          rows.push_back({"face stages", size + ": paste-back", threads,
                          median_ms(o.reps, [&] { cf::paste_faces(out, crops, 1.f); }), -1, ""});
          // End to end as the element runs it: detection every 5th frame at 640
          // px, landmarks tracked in between.
          cf::FaceTracker::Config tc;
          tc.detect_width = 640;
          cf::FaceTracker tracker(detector, tc);
          int index = 0;
          const double e2e = median_ms(10, [&] {
            double total = 0;
            for (int k = 0; k < 5; ++k) {
              auto t0 = Clock::now();
              cv::Mat f = frame.clone();
              auto tracked = tracker.update(f, index / 30.0, index % 5 == 0);
              ++index;
              auto c = cf::extract_faces(f, tracked, crop, {});
              cf::cartoonize_crops(c, *engine, cartoonize::PixelLayout::RGB);
              cf::paste_faces(f, c, 1.f);
              total += std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
            }
            (void)total;
          }) / 5.0;
          rows.push_back({"face mode end to end", size, threads, e2e, -1,
                          "detect every 5th frame at 640 px; " + std::to_string(int(1000.0 / e2e)) + " fps"});
        }
      }
    }

    std::ostringstream md, csv;
    md << "| group | case | threads | ms | fps | baseline (a) ms | speed-up | note |\n|---|---|---|---|---|---|---|---|\n";
    csv << "group,case,threads,ms,fps,baseline_ms,speedup,note\n";
    for (const auto& r : rows) {
      char line[512];
      std::snprintf(line, sizeof line, "| %s | %s | %d | %.1f | %.1f | %s | %s | %s |\n", r.group.c_str(),
                    r.item.c_str(), r.threads, r.ms, 1000.0 / r.ms,
                    r.baseline_ms > 0 ? std::to_string(int(r.baseline_ms + 0.5)).c_str() : "",
                    r.baseline_ms > 0 ? (std::to_string(r.baseline_ms / r.ms).substr(0, 4) + "x").c_str() : "",
                    r.note.c_str());
      md << line;
      csv << r.group << ',' << r.item << ',' << r.threads << ',' << r.ms << ',' << 1000.0 / r.ms << ','
          << (r.baseline_ms > 0 ? std::to_string(r.baseline_ms) : "") << ','
          << (r.baseline_ms > 0 ? std::to_string(r.baseline_ms / r.ms) : "") << ",\"" << r.note << "\"\n";
    }
    md << "\npeak RSS " << int(peak_rss_mb()) << " MB; model " << o.model << " (input " << crop << "²); CPU only"
       << (cartoonize::cuda_available() ? "" : " (no CUDA device here)") << "\n";
    std::fputs(md.str().c_str(), stdout);
    std::system(("mkdir -p '" + o.out + "'").c_str());
    std::ofstream(o.out + "/bench.md") << md.str();
    std::ofstream(o.out + "/bench.csv") << csv.str();
    std::printf("wrote %s/bench.md and bench.csv\n", o.out.c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cartoonize-bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
