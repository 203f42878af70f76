// `eval`: how good is a model at what the element does with faces? On
// held-out photos: are the faces still found, in the same shape, as the same
// person, and do they look like cartoons; on a clip: how much flicker the
// restyling adds (tracked path vs detection on every frame). The same numbers
// for classical baselines show what the model adds.
#include <cstdio>
#include <filesystem>
#include <optional>
#include <sstream>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include "args.h"
#include "commands.h"
#include "error.h"
#include "eval_classifier.h"
#include "eval_face_path.h"
#include "eval_identity.h"
#include "eval_metrics.h"
#include "eval_style_score.h"
#include "eval_warping.h"
#include "image_folder.h"
#include "losses.h"
#include "output_filter_option.h"
#include "progress.h"
#include "run_dir.h"

namespace cartoonize::train {
namespace fs = std::filesystem;
namespace {

// The goals the table prints beside each value.
constexpr double kGoalRedetected = 0.98, kGoalNme = 0.04, kGoalMatch = 0.9, kGoalCartoon = 0.9, kGoalWarpRatio = 0.5;
constexpr double kGoalStyle = 0.8;  // issue 19: the style classifier calls >= 0.8 of the restyled crops the style

std::string default_clip() {
  return (fs::path(default_face_api_dir()).parent_path().parent_path() / "video" / "lp_d9.mp4").string();
}

std::string number_text(double v) {  // 0.1, not 0.100000
  std::ostringstream o;
  o << v;
  return o.str();
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (uint8_t(c) >= 0x20) out += c;
  }
  return out + "\"";
}

struct TemporalResult {
  int frames = 0;
  double tracked = 0, raw = 0, input = 0;
  int64_t pixels = 0;
  // Smoothed landmarks (what the paste follows) against each frame's own
  // fit, normalised as landmark_nme: what smoothing costs in lag.
  double smoothing_nme = 0;
  int smoothing_faces = 0;
};

// The clip through the element's tracked face path and through detection on
// every frame (no tracking, no smoothing), measured over the face regions.
TemporalResult measure_clip(const std::string& clip, int max_frames, const faces::FaceTracker::Config& config,
                            faces::FaceDetector& detector, CropStylizer& stylizer, const faces::FaceStyle& style,
                            bool show_progress) {
  cv::VideoCapture cap(clip);
  if (!cap.isOpened()) throw Error("cannot open the clip " + clip + " (OpenCV VideoCapture)");
  double fps = cap.get(cv::CAP_PROP_FPS);
  if (!(fps > 0 && fps < 1000)) fps = faces::kFallbackFps;
  faces::FaceTracker tracker(detector, config);
  WarpingMeter meter(3);
  TemporalResult r;
  Progress progress("eval clip", 0, max_frames, 50);
  cv::Mat bgr, rgb;
  while (r.frames < max_frames && cap.read(bgr) && !bgr.empty()) {
    cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
    const auto tracked_faces = tracker.track(rgb, r.frames / fps);
    for (const auto& f : tracked_faces) {
      r.smoothing_nme += landmark_nme(f.raw, f.smoothed);
      ++r.smoothing_faces;
    }
    const StyledImage tracked = stylize_faces(rgb, tracked_faces, stylizer, style);
    const StyledImage raw = stylize_faces(rgb, detect_faces(detector, rgb, config.detect_width), stylizer, style);
    cv::Mat region(rgb.size(), CV_8UC1, cv::Scalar(0));
    for (const auto* s : {&tracked, &raw})
      for (const cv::Rect& box : s->regions) region(box).setTo(255);
    meter.add(rgb, {tracked.image, raw.image, rgb}, region);
    ++r.frames;
    if (show_progress) progress.update(r.frames, {});
  }
  if (show_progress) progress.finish();
  if (r.frames < 2) throw Error("the clip " + clip + " gave fewer than 2 frames");
  r.tracked = meter.error(0);
  r.raw = meter.error(1);
  r.input = meter.error(2);
  r.pixels = meter.pixels();
  return r;
}

}  // namespace

int cmd_eval(const std::vector<std::string>& argv) {
  Args a("eval",
         "Measure a model (or a classical baseline) on held-out photos and a clip: faces still found, landmark "
         "error, identity (dlib ResNet), cartoon score (a photo-vs-cartoon classifier trained here), warping error.");
  a.option("model", default_model_file(), "model file (.ctzm or TorchScript) run through the element's face path")
      .option("baseline", "", "instead of a model: 'stylization' (cv::stylization), 'bilateral-edge' or 'rendering' (the "
                              "trainer's cartoon rendering, see --rendering) on the face crops")
      .option("rendering", "", "settings of --baseline rendering, as pretrain's --rendering (key=value,...)")
      .option("data", "runs/data", "prepared data folder (see prepare): photo/test, photo/train, cartoon")
      .option("photos", "", "folder(s) of held-out photos with faces [DATA/photo/test]")
      .option("limit", "100", "at most this many photos (evenly spaced over the sorted listing; 0: all)")
      .range(0, 1000000000)
      .option("photos-train", "", "photos the classifier learns from [DATA/photo/train]")
      .option("cartoons", "", "cartoons the classifier learns from [DATA/cartoon]")
      .option("classifier-samples", "1500", "at most this many images per domain for the classifier")
      .range(1, 1000000000)
      .option("classifier-cache", "", "trained classifier cache ('none': no cache) [DATA/eval-classifier.txt]")
      .option("style-images", "", "a style's images (e.g. ../shared/data/anime256): a patch CNN trained on their held-out "
                                  "10 % against held-out photos gives style_score ('': skip)")
      .option("style-photos", default_style_photos_dir(), "photos for the style classifier (their held-out 10 %)")
      .option("style-steps", std::to_string(StyleClassifierConfig{}.steps), "training steps of the style classifier")
      .range(1, 10000000)
      .option("output-filter", "", "finishing of the model's face crops: lines=R,CONTRAST (strokes the photo lacks, "
                                   "closed over), color=SHARE (towards the photo's chroma), guided=R,EPS, joined by "
                                   "'+', or 'none' ('': the model file's own)")
      .option("save-crops", "", "also write every restyled face crop as DIR/crop-NNN.png, its input as crop-NNN-input.png")
      .option("clip", default_clip(), "video for the warping error ('none': skip)")
      .option("clip-frames", "200", "frames of the clip used").range(2, 1000000)
      .option("detect-interval", std::to_string(faces::kDefaultDetectInterval),
              "tracked path: detector every N frames (the element's default)")
      .range(1, 1000)
      .option("detect-width", std::to_string(faces::kDefaultDetectWidth),
              "video frames are scaled to this width for HOG (the element's default)")
      .range(0, 16384)
      .option("smoothing-min-cutoff", number_text(faces::kDefaultMinCutoff),
              "tracked path: One Euro minimum cutoff (Hz) of the landmarks (the element's smoothing-min-cutoff)")
      .real_range(0.001, 100)
      .option("smoothing-beta", number_text(faces::kDefaultBeta),
              "tracked path: One Euro speed coefficient (the element's smoothing-beta)")
      .real_range(0, 10)
      .option("size", "128", "crop side for the baselines and the classifier (prepare's --size)").range(16, 1024)
      .option("margin", number_text(faces::kDefaultCropMargin),
              "crop margin (the element's crop-margin and prepare's --margin)")
      .real_range(0, 1)
      .option("dlib-resnet", default_dlib_resnet(), "dlib_face_recognition_resnet_model_v1.dat")
      .option("landmark-model", faces::kDefaultPredictorPath, "dlib 68-point shape predictor")
      .option("threads", "2", "CPU threads").range(1, 1024)
      .flag("json", "print one JSON object instead of the table");
  if (!a.parse(argv)) return 0;
  const bool json = a.on("json");
  const int limit = a.integer("limit"), size = a.integer("size"), clip_frames = a.integer("clip-frames");
  const int detect_interval = a.integer("detect-interval"), detect_width = a.integer("detect-width");
  const int classifier_samples = a.integer("classifier-samples");
  set_cpu_threads(a.integer("threads"));
  const std::string data = a.str("data");
  auto folder = [&](const std::string& opt, const std::string& sub) {
    return a.given(opt) ? a.list(opt) : std::vector<std::string>{data + "/" + sub};
  };
  for (const auto& dirs : {folder("photos", "photo/test"), folder("photos-train", "photo/train"), folder("cartoons", "cartoon")})
    for (const auto& d : dirs)
      if (!fs::is_directory(d)) throw Error("no folder " + d + " (run prepare, or see --help for --photos, --photos-train, --cartoons)");
  std::string cache = a.given("classifier-cache") ? a.str("classifier-cache") : data + "/eval-classifier.txt";
  if (cache == "none" || (!a.given("classifier-cache") && !fs::is_directory(data))) cache.clear();

  faces::FaceStyle style;
  style.margin = float(a.number("margin"));
  CropStylizer stylizer(a.str("model"), a.str("baseline"), size, parse_cartoon_rendering(a.str("rendering")),
                        parse_output_filter(a.str("output-filter"), "--output-filter"));
  faces::FaceDetector detector(a.str("landmark-model"));
  FaceIdentity identity(a.str("dlib-resnet"));
  if (!json) std::printf("eval: %s\n", stylizer.name().c_str());
  const CartoonClassifier classifier = CartoonClassifier::train_or_load(
      list_images(folder("photos-train", "photo/train")), list_images(folder("cartoons", "cartoon")), cache,
      classifier_samples);
  const ClassifierReport& cr = classifier.report();
  // The style score's classifier, cached beside the hand-feature one.
  std::optional<StyleClassifier> style_classifier;
  const std::string style_dir = a.str("style-images");
  if (!style_dir.empty()) {
    for (const auto& d : {style_dir, a.str("style-photos")})
      if (!fs::is_directory(d)) throw Error("no folder " + d + " (see --help for --style-images, --style-photos)");
    StyleClassifierConfig config;
    config.steps = a.integer("style-steps");
    style_classifier = StyleClassifier::train_or_load(list_images({a.str("style-photos")}), list_images({style_dir}),
                                                      cache.empty() ? "" : fs::path(cache).parent_path().string(), config);
  }
  double style_crops = 0, style_inputs = 0;
  int style_faces = 0;

  const auto photos = evenly_spaced(list_images(folder("photos", "photo/test")), limit);
  const std::string save_crops = a.str("save-crops");
  int saved_crops = 0;
  if (!save_crops.empty()) fs::create_directories(save_crops);
  FaceMetrics metrics(detector, identity, classifier, size, style.margin);
  int unreadable = 0, without_face = 0;
  Progress progress("eval photos", 0, int64_t(photos.size()), 25);
  for (size_t i = 0; i < photos.size(); ++i) {
    cv::Mat bgr = cv::imread(photos[i], cv::IMREAD_COLOR), rgb;
    if (bgr.empty()) {
      ++unreadable;
    } else {
      cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
      const auto found = detect_faces(detector, rgb, 0);
      without_face += found.empty();
      const StyledImage styled = stylize_faces(rgb, found, stylizer, style);
      metrics.add(rgb, found, styled.image, styled.crops);
      if (!save_crops.empty()) {
        // Each restyled crop beside the aligned input crop it came from.
        const auto inputs = faces::extract_faces(rgb, found, stylizer.crop_size(), style);
        for (size_t k = 0; k < styled.crops.size(); ++k, ++saved_crops) {
          for (const bool input : {false, true}) {
            if (input && k >= inputs.size()) continue;
            char name[40];
            std::snprintf(name, sizeof name, "/crop-%03d%s.png", saved_crops, input ? "-input" : "");
            cv::Mat out;
            cv::cvtColor(input ? inputs[k].crop : styled.crops[k], out, cv::COLOR_RGB2BGR);
            if (!cv::imwrite(save_crops + name, out)) throw Error("cannot write " + save_crops + name);
          }
        }
      }
      if (style_classifier) {
        // The same aligned crops, restyled (what cartoon_score_crop scores) and as they came in.
        const auto inputs = faces::extract_faces(rgb, found, stylizer.crop_size(), style);
        for (size_t k = 0; k < styled.crops.size() && k < inputs.size(); ++k, ++style_faces) {
          style_crops += style_classifier->is_style(styled.crops[k]);
          style_inputs += style_classifier->is_style(inputs[k].crop);
        }
      }
    }
    if (!json) progress.update(int64_t(i + 1), {});
  }
  if (!json) progress.finish();
  const FaceTotals& t = metrics.totals();
  if (t.faces == 0) throw Error("no face found in the " + std::to_string(photos.size()) + " photos");

  TemporalResult clip;
  const std::string clip_file = a.str("clip");
  if (clip_file != "none") {
    faces::FaceTracker::Config config;  // the element's defaults but for these options
    config.detect_width = detect_width;
    config.detect_interval = detect_interval;
    config.min_cutoff = a.number("smoothing-min-cutoff");
    config.beta = a.number("smoothing-beta");
    clip = measure_clip(clip_file, clip_frames, config, detector, stylizer, style, !json);
  }
  const double ratio = clip.raw > 0 ? clip.tracked / clip.raw : 0;

  // name, value, goal text, met? (-1: no goal)
  struct Row {
    std::string name;
    double value;
    std::string goal;
    int met;
  };
  std::vector<Row> rows = {
      {"faces_redetected", t.mean(t.redetected), ">= 0.98", t.mean(t.redetected) >= kGoalRedetected},
      {"landmark_nme", t.mean(t.nme), "<= 0.04", t.mean(t.nme) <= kGoalNme},
      {"identity_cosine", t.mean(t.cosine), "", -1},
      {"identity_match", t.mean(t.match), ">= 0.9", t.mean(t.match) >= kGoalMatch},
      {"cartoon_score", t.mean(t.cartoon), ">= 0.9", t.mean(t.cartoon) >= kGoalCartoon},
      {"cartoon_score_input", t.mean(t.cartoon_input), "", -1},
      {"cartoon_score_crop", t.mean(t.cartoon_crop), "", -1},
      {"classifier_heldout_accuracy", cr.heldout_accuracy, "", -1},
      {"skin_lines", t.mean(t.skin_lines), "<= input", t.mean(t.skin_lines) <= t.mean(t.skin_lines_input)},
      {"skin_lines_input", t.mean(t.skin_lines_input), "", -1},
      {"skin_dL", t.mean(t.skin_dL), "", -1},
      {"skin_da", t.mean(t.skin_da), "", -1},
      {"skin_db", t.mean(t.skin_db), "", -1},
      {"skin_ab_shift", t.mean(t.skin_ab_shift), "", -1},
  };
  if (style_classifier) {
    const double score = style_faces ? style_crops / style_faces : 0;
    rows.push_back({"style_score", score, ">= 0.8", score >= kGoalStyle});
    rows.push_back({"style_score_photos", style_faces ? style_inputs / style_faces : 0, "", -1});
    rows.push_back({"style_classifier_accuracy", style_classifier->report().heldout_accuracy, "", -1});
  }
  if (clip.frames) {
    rows.push_back({"warping_error", clip.tracked, "<= 0.5 x raw", ratio <= kGoalWarpRatio});
    rows.push_back({"warping_error_raw", clip.raw, "", -1});
    rows.push_back({"warping_ratio", ratio, "<= 0.5", ratio <= kGoalWarpRatio});
    rows.push_back({"warping_error_input", clip.input, "", -1});
    rows.push_back({"smoothing_nme", clip.smoothing_faces ? clip.smoothing_nme / clip.smoothing_faces : 0, "", -1});
  }

  if (json) {
    std::ostringstream o;
    o << "{\"model\": " << json_string(a.str("baseline").empty() ? a.str("model") : "") << ", \"baseline\": "
      << json_string(a.str("baseline")) << ", \"photos\": " << photos.size() << ", \"photos_unreadable\": " << unreadable
      << ", \"photos_without_face\": " << without_face << ", \"faces\": " << t.faces
      << ", \"classifier_train\": [" << cr.train_photos << ", " << cr.train_cartoons << "], \"classifier_test\": ["
      << cr.test_photos << ", " << cr.test_cartoons << "], \"clip\": " << json_string(clip.frames ? clip_file : "")
      << ", \"clip_frames\": " << clip.frames;
    if (style_classifier) {
      const StyleClassifierReport& sr = style_classifier->report();
      o << ", \"style_images\": " << json_string(style_dir) << ", \"style_classifier_train\": [" << sr.train_photos << ", "
        << sr.train_style << "], \"style_classifier_test\": [" << sr.test_photos << ", " << sr.test_style << "]";
    }
    for (const auto& r : rows) {
      char v[64];
      std::snprintf(v, sizeof v, "%.6g", r.value);
      o << ", \"" << r.name << "\": " << v;
      if (r.met >= 0) o << ", \"" << r.name << "_ok\": " << (r.met ? "true" : "false");
    }
    o << "}\n";
    std::fputs(o.str().c_str(), stdout);
    return 0;
  }
  std::printf("\n%zu photos (%d unreadable, %d without a face), %d faces; classifier: %d+%d photos+cartoons, held out "
              "%d+%d%s\n",
              photos.size(), unreadable, without_face, t.faces, cr.train_photos, cr.train_cartoons, cr.test_photos,
              cr.test_cartoons, cr.from_cache ? " (cached)" : "");
  if (style_classifier) {
    const StyleClassifierReport& sr = style_classifier->report();
    std::printf("style classifier (%s, held out): %d+%d photos+style images, tested on %d+%d%s\n", style_dir.c_str(),
                sr.train_photos, sr.train_style, sr.test_photos, sr.test_style, sr.from_cache ? " (cached)" : "");
  }
  if (clip.frames)
    std::printf("clip %s: %d frames, warping error over the face regions (%lld px counted), grey levels 0..255\n",
                clip_file.c_str(), clip.frames, (long long)clip.pixels);
  std::printf("\n%-28s %10s  %-14s\n", "metric", "value", "goal");
  for (const auto& r : rows)
    std::printf("%-28s %10.4f  %-14s %s\n", r.name.c_str(), r.value, r.goal.c_str(),
                r.met < 0 ? "" : (r.met ? "ok" : "MISSED"));
  return 0;
}

}  // namespace cartoonize::train
