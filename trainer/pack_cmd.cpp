// `pack`: folders of images -> one image pack (.ctzp, image_pack.h) of
// same-size JPEG crops, the form in which training data travels to a
// machine without OpenCV or the shared data (the GPU machine).
#include <cstdio>
#include <filesystem>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "args.h"
#include "commands.h"
#include "error.h"
#include "image_folder.h"
#include "image_pack.h"
#include "split.h"

namespace cartoonize::train {

int cmd_pack(const std::vector<std::string>& argv) {
  Args a("pack", "Write the images of folders as one image pack (.ctzp): centre square crops, resized, JPEG.");
  a.option("images", "", "folders of images, comma-separated (searched recursively)", true)
      .option("out", "", "pack file to write (.ctzp)", true)
      .option("size", "128", "side of the square crops (px)").range(16, 1024)
      .option("crop", "1", "side of the centre square as a share of the image's short side").real_range(0.5, 1)
      .option("quality", "92", "JPEG quality").range(50, 100)
      .option("held-out-percent", "10", "leave out the files split.h holds out at this percent (0: keep all)")
      .range(0, 99)
      .option("limit", "0", "at most this many images, evenly spaced over the sorted listing (0: all)")
      .range(0, 1000000000);
  if (!a.parse(argv)) return 0;
  const int size = a.integer("size"), quality = a.integer("quality"), held = a.integer("held-out-percent");
  const double crop = a.number("crop");
  if (!is_image_pack(a.str("out"))) throw Error("--out must end in .ctzp: " + a.str("out"));

  std::vector<std::string> files;
  for (const auto& f : list_images(a.list("images")))
    if (held == 0 || !held_out(f, held)) files.push_back(f);
  files = evenly_spaced(files, a.integer("limit"));
  std::vector<PackEntry> entries;
  int64_t unreadable = 0, bytes = 0;
  for (const auto& f : files) {
    cv::Mat bgr = read_image(f);
    if (bgr.empty()) {
      ++unreadable;
      continue;
    }
    const int side = std::max(1, int(std::min(bgr.cols, bgr.rows) * crop));
    cv::Mat square = bgr(cv::Rect((bgr.cols - side) / 2, (bgr.rows - side) / 2, side, side)), resized;
    cv::resize(square, resized, cv::Size(size, size), 0, 0, side > size ? cv::INTER_AREA : cv::INTER_CUBIC);
    PackEntry e;
    e.name = std::filesystem::path(f).filename().string();
    std::vector<uchar> jpeg;
    if (!cv::imencode(".jpg", resized, jpeg, {cv::IMWRITE_JPEG_QUALITY, quality})) throw Error("cannot encode " + f);
    e.bytes.assign(jpeg.begin(), jpeg.end());
    bytes += int64_t(e.bytes.size());
    entries.push_back(std::move(e));
  }
  write_image_pack(a.str("out"), size, entries);
  std::printf("wrote %s: %zu images of %d px (%.1f MB)", a.str("out").c_str(), entries.size(), size, bytes / 1e6);
  if (held) std::printf(", held-out %d %% left out", held);
  if (unreadable) std::printf(", %lld unreadable files skipped", (long long)unreadable);
  std::printf("\n");
  return 0;
}

}  // namespace cartoonize::train
