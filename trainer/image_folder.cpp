#include "image_folder.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "error.h"
#include "image_codec.h"
#include "tensor_image.h"

namespace cartoonize::train {

namespace fs = std::filesystem;

std::vector<std::string> list_images(const std::vector<std::string>& folders) {
  std::vector<std::string> files;
  for (const auto& folder : folders) {
    std::error_code ec;
    if (!fs::is_directory(folder, ec)) throw Error("not a folder: " + folder);
    for (auto it = fs::recursive_directory_iterator(folder, ec); it != fs::recursive_directory_iterator(); ++it) {
      if (!it->is_regular_file()) continue;
      std::string ext = it->path().extension().string();
      std::transform(ext.begin(), ext.end(), ext.begin(), ::tolower);
      if (ext == ".jpg" || ext == ".jpeg" || ext == ".png" || ext == ".bmp" || ext == ".webp")
        files.push_back(it->path().string());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

cv::Mat read_image(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (bytes.empty() || truncated_jpeg(bytes.data(), bytes.size())) return {};
  // imdecode applies the EXIF orientation as imread does.
  try {
    return cv::imdecode(bytes, cv::IMREAD_COLOR);
  } catch (const cv::Exception&) {
    return {};
  }
}

torch::Tensor load_image_tensor(const std::string& path, int size) {
  if (size <= 0) throw Error("image size must be positive, not " + std::to_string(size));
  cv::Mat bgr = read_image(path);
  if (bgr.empty()) return {};
  const int side = std::min(bgr.cols, bgr.rows);
  cv::Mat square = bgr(cv::Rect((bgr.cols - side) / 2, (bgr.rows - side) / 2, side, side));
  cv::Mat resized;
  cv::resize(square, resized, cv::Size(size, size), 0, 0, side > size ? cv::INTER_AREA : cv::INTER_CUBIC);
  ImageView view{resized.data, resized.cols, resized.rows, std::ptrdiff_t(resized.step[0]), PixelLayout::BGR};
  return to_model_range(packed_to_rgb(view), Normalization::MinusOneOne).squeeze(0).clone();
}

ImageSource folder_source(const std::string& folder, int size) {
  ImageSource s;
  auto files = std::make_shared<std::vector<std::string>>(list_images({folder}));
  s.count = files->size();
  s.describe = std::to_string(s.count) + " images in " + folder;
  s.load = [files, size](size_t i) { return load_image_tensor((*files)[i], size); };
  return s;
}

}  // namespace cartoonize::train
