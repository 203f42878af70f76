#include "grid.h"

#include <opencv2/imgcodecs.hpp>

#include "atomic_file.h"
#include "error.h"

namespace cartoonize::train {

void write_grid(const std::string& path, const std::vector<torch::Tensor>& columns, int max_rows) {
  if (columns.empty()) return;
  const int64_t rows = std::min<int64_t>(columns[0].size(0), max_rows);
  std::vector<torch::Tensor> row_images;
  for (int64_t r = 0; r < rows; ++r) {
    std::vector<torch::Tensor> cells;
    for (const auto& c : columns) cells.push_back(c[r].detach().to(torch::kCPU, torch::kFloat));
    row_images.push_back(torch::cat(cells, 2));
  }
  auto img = ((torch::cat(row_images, 1) + 1) * 127.5).round().clamp(0, 255).to(torch::kUInt8);
  img = img.flip({0}).permute({1, 2, 0}).contiguous();  // RGB -> BGR, HWC for OpenCV
  cv::Mat mat(int(img.size(0)), int(img.size(1)), CV_8UC3, img.data_ptr<uint8_t>());
  std::vector<uchar> png;
  if (!cv::imencode(".png", mat, png)) throw Error("cannot encode " + path);
  write_file_atomically(path, [&](std::ostream& out) { out.write(reinterpret_cast<const char*>(png.data()), std::streamsize(png.size())); });
}

}  // namespace cartoonize::train
