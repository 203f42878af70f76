// Training images from folders of image files (OpenCV decoding); batches of
// them come from BatchLoader (batch_loader.h).
#pragma once
#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <torch/torch.h>

#include "batch_loader.h"

namespace cartoonize::train {

// All .jpg/.jpeg/.png/.bmp/.webp files under the folders (recursive), sorted.
std::vector<std::string> list_images(const std::vector<std::string>& folders);

// Reads an image file as BGR; an empty Mat when it is unreadable, including a
// truncated JPEG (truncated_jpeg in image_codec.h), which OpenCV would decode
// with grey rows for the missing part. Every reader of image files (training
// folders, prepare, pack) goes through this.
cv::Mat read_image(const std::string& path);

// Reads one image as a 3 x size x size float tensor in [-1, 1] (RGB): centre
// square crop, area resize. Returns an undefined tensor for unreadable files.
torch::Tensor load_image_tensor(const std::string& path, int size);

// The images of a folder (recursive) as a training source.
ImageSource folder_source(const std::string& folder, int size);

}  // namespace cartoonize::train
