#include "grid.h"

#include "atomic_file.h"
#include "image_codec.h"

namespace cartoonize::train {

void write_grid(const std::string& path, const std::vector<torch::Tensor>& columns, int max_rows) {
  if (columns.empty()) return;
  const int64_t rows = std::min<int64_t>(columns[0].size(0), max_rows);
  std::vector<torch::Tensor> row_images;
  for (int64_t r = 0; r < rows; ++r) {
    std::vector<torch::Tensor> cells;
    for (const auto& c : columns) {
      torch::Tensor cell = c[r].detach().to(torch::kCPU, torch::kFloat);
      if (cell.size(0) == 1) cell = cell.expand({3, -1, -1});  // grey views (texture) shown as grey
      cells.push_back(cell);
    }
    row_images.push_back(torch::cat(cells, 2));
  }
  auto img = ((torch::cat(row_images, 1) + 1) * 127.5).round().clamp(0, 255).to(torch::kUInt8);
  const std::vector<uint8_t> png = encode_png(img.permute({1, 2, 0}).contiguous());
  write_file_atomically(path, [&](std::ostream& out) { out.write(reinterpret_cast<const char*>(png.data()), std::streamsize(png.size())); });
}

}  // namespace cartoonize::train
