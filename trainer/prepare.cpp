// `prepare`: the training data set. Faces in the photos are detected, given
// 68 landmarks and aligned with exactly the element's face code; cartoon
// images are cropped to the same size. A reproducible share of the photos is
// held out for `test` and `eval`. Unreadable files and photos without a face
// are listed and counted, never fatal.
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "align.h"
#include "args.h"
#include "commands.h"
#include "detector.h"
#include "error.h"
#include "split.h"
#include "image_folder.h"
#include "progress.h"

namespace cartoonize::train {
namespace fs = std::filesystem;
namespace {

void make_dirs(const std::vector<std::string>& dirs) {
  for (const auto& d : dirs) {
    std::error_code ec;
    fs::create_directories(d, ec);
    if (ec) throw Error("cannot create " + d + ": " + ec.message());
  }
}

void write_png(const std::string& path, const cv::Mat& rgb) {
  cv::Mat bgr;
  cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
  if (!cv::imwrite(path, bgr)) throw Error("cannot write " + path + " (disk full?)");
}

}  // namespace

int cmd_prepare(const std::vector<std::string>& argv) {
  Args a("prepare", "Detect, landmark and align the faces of photos; crop cartoons to the same size.");
  a.option("photos", "", "folder of photos (repeat or comma-separate for several)", true)
      .option("cartoons", "", "folder of cartoon images (repeat or comma-separate for several)", true)
      .option("out", "", "data folder to write (DATA)", true)
      .option("size", "128", "side of the aligned crops").range(16, 1024)
      .option("margin", "0.1", "context around the face (the element's crop-margin; keep them equal)")
      .real_range(0, 1)
      .option("min-face", "48", "smallest face (px, detector box) kept").range(0, 100000)
      .option("test-percent", "5", "share of photos held out for test/eval").range(0, 99)
      .option("limit", "0", "use at most this many photos / cartoons each (0: all)").range(0, 1000000000);
  if (!a.parse(argv)) return 0;
  const std::string out = a.str("out");
  const int size = a.integer("size");
  const float margin = float(a.number("margin"));
  make_dirs({out + "/photo/train", out + "/photo/test", out + "/cartoon"});

  auto photos = list_images(a.list("photos"));
  auto cartoons = list_images(a.list("cartoons"));
  const size_t limit = size_t(a.integer("limit"));
  if (limit) {
    photos.resize(std::min(photos.size(), limit));
    cartoons.resize(std::min(cartoons.size(), limit));
  }
  std::ofstream skipped(out + "/skipped.tsv");
  std::ofstream landmarks(out + "/photo/landmarks.tsv");
  skipped << "file\treason\n";
  landmarks << "crop\tsource\t68 x,y in crop pixels\n";

  faces::FaceDetector detector;
  int64_t n_faces = 0, n_skipped = 0, n_test = 0;
  Progress progress("prepare photos", 0, int64_t(photos.size()), 200);
  for (size_t i = 0; i < photos.size(); ++i) {
    const std::string& file = photos[i];
    cv::Mat bgr = read_image(file), rgb;
    if (bgr.empty()) {
      skipped << file << "\tunreadable\n";
      ++n_skipped;
    } else {
      cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
      int kept = 0;
      for (const cv::Rect& box : detector.detect(rgb, 0)) {
        if (box.width < a.integer("min-face")) continue;
        const faces::Landmarks lm = detector.landmarks(rgb, box);
        const cv::Matx23f M = faces::alignment_transform(lm, size, margin);
        const bool test = held_out(file, a.integer("test-percent"));
        const std::string name = fs::path(file).stem().string() + "_" + std::to_string(kept) + ".png";
        const std::string dst = out + "/photo/" + (test ? "test/" : "train/") + name;
        write_png(dst, faces::warp_face(rgb, M, size));
        landmarks << (test ? "test/" : "train/") << name << '\t' << file;
        for (const auto& p : faces::transform_landmarks(M, lm)) landmarks << '\t' << p.x << ',' << p.y;
        landmarks << '\n';
        ++kept;
        n_test += test;
      }
      n_faces += kept;
      if (!kept) {
        skipped << file << "\tno face found\n";
        ++n_skipped;
      }
    }
    progress.update(int64_t(i + 1), {{"faces", double(n_faces)}, {"skipped", double(n_skipped)}});
  }
  progress.finish();

  int64_t n_cartoons = 0;
  Progress cprogress("prepare cartoons", 0, int64_t(cartoons.size()), 500);
  for (size_t i = 0; i < cartoons.size(); ++i) {
    cv::Mat bgr = read_image(cartoons[i]);
    if (bgr.empty()) {
      skipped << cartoons[i] << "\tunreadable\n";
      ++n_skipped;
    } else {
      const int side = std::min(bgr.cols, bgr.rows);
      cv::Mat square = bgr(cv::Rect((bgr.cols - side) / 2, (bgr.rows - side) / 2, side, side)), resized;
      cv::resize(square, resized, cv::Size(size, size), 0, 0, side > size ? cv::INTER_AREA : cv::INTER_CUBIC);
      const std::string dst = out + "/cartoon/" + std::to_string(i) + "_" + fs::path(cartoons[i]).stem().string() + ".png";
      if (!cv::imwrite(dst, resized)) throw Error("cannot write " + dst + " (disk full?)");
      ++n_cartoons;
    }
    cprogress.update(int64_t(i + 1), {});
  }
  cprogress.finish();
  std::printf("prepared %s: %lld aligned faces (%lld held out for test), %lld cartoons, %lld files skipped "
              "(listed in %s/skipped.tsv)\n",
              out.c_str(), (long long)n_faces, (long long)n_test, (long long)n_cartoons, (long long)n_skipped,
              out.c_str());
  return 0;
}

}  // namespace cartoonize::train
