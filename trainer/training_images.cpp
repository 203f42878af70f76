// training_images() of batch_loader.h. Compiled twice: with
// CARTOONIZE_TRAINER_FOLDERS (full build: folders through OpenCV) and
// without (LibTorch-only build: image packs only).
#include <filesystem>

#include "batch_loader.h"
#include "error.h"
#include "image_pack.h"
#ifdef CARTOONIZE_TRAINER_FOLDERS
#include "image_folder.h"
#endif

namespace cartoonize::train {

ImageSource training_images(const std::vector<std::string>& paths, int size) {
  if (size < 16 || size > 1024) throw Error("--size must be 16..1024 px, not " + std::to_string(size));
  std::vector<ImageSource> sources;
  for (const auto& path : paths) {
    if (!std::filesystem::exists(path)) throw Error("no such image pack or folder: " + path);
    if (is_image_pack(path)) {
      ImagePack pack = read_image_pack(path);
      std::string what = std::to_string(pack.images.size(0)) + " images (" + path + ")";
      if (pack.skipped) what += ", " + std::to_string(pack.skipped) + " undecodable entries skipped";
      sources.push_back(pack_source(pack.images, size, what));
      continue;
    }
#ifdef CARTOONIZE_TRAINER_FOLDERS
    sources.push_back(folder_source(path, size));
    if (sources.back().count == 0) throw Error("no images in " + path);
#else
    throw Error(path + " is a folder, but this build reads image packs only (-Dcore_only=true: no OpenCV); "
                "write a pack with `cartoonize-train pack` on a full build");
#endif
  }
  if (sources.empty()) throw Error("no training images given");
  return concat_sources(std::move(sources));
}

}  // namespace cartoonize::train
