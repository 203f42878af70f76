// The LibTorch-only training step (the -Dcore_only=true build of the GPU
// machine): image packs of real photos and cartoons read with stb_image,
// superpixels in LibTorch, and `train` + `export` on packs. Builds and runs
// without OpenCV; the comparisons with OpenCV are in test_trainer.cpp.
#include <filesystem>
#include <fstream>

#include "batch_loader.h"
#include "checkpoint.h"
#include "commands.h"
#include "error.h"
#include "image_codec.h"
#include "image_pack.h"
#include "model_file.h"
#include "representations.h"
#include "superpixels.h"
#include "test_support.h"

namespace fs = std::filesystem;
using namespace cartoonize;
using namespace cartoonize::train;
using cartoonize::testing::TempDir;
using cartoonize::testing::shared_data;

namespace {

std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The first n image files of a shared folder, sorted (no OpenCV to list with).
std::vector<std::string> shared_files(const std::string& folder, size_t n, const std::string& ext = ".jpg") {
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(shared_data(folder)))
    if (e.path().extension() == ext) files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  files.resize(std::min(n, files.size()));
  return files;
}

// A pack of the files' own bytes (all must have the same size: `side`).
std::string pack_of(const TempDir& dir, const std::string& name, const std::vector<std::string>& files, int side) {
  std::vector<PackEntry> entries;
  for (const auto& f : files) entries.push_back({fs::path(f).filename().string(), read_bytes(f)});
  const std::string path = dir.file(name + ".ctzp");
  write_image_pack(path, side, entries);
  return path;
}

std::vector<std::string> lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

}  // namespace

TEST(ImagePack, RoundTripsRealPhotosAndSkipsABrokenEntry) {
  TempDir dir;
  const auto files = shared_files("faces", 6);  // UTKFace crops, 200 x 200
  std::vector<PackEntry> entries;
  for (const auto& f : files) entries.push_back({fs::path(f).filename().string(), read_bytes(f)});
  entries.push_back({"broken.jpg", {0xFF, 0xD8, 0xFF, 0x00, 0x12}});
  write_image_pack(dir.file("p.ctzp"), 200, entries);
  const ImagePack pack = read_image_pack(dir.file("p.ctzp"));
  ASSERT_EQ(pack.images.size(0), 6);
  EXPECT_EQ(pack.skipped, 1);
  EXPECT_EQ(pack.images.sizes(), (std::vector<int64_t>{6, 3, 200, 200}));
  for (size_t i = 0; i < files.size(); ++i) {
    EXPECT_EQ(pack.names[i], fs::path(files[i]).filename().string());
    const auto bytes = read_bytes(files[i]);
    const torch::Tensor direct = decode_image(bytes.data(), bytes.size());
    EXPECT_TRUE(torch::equal(pack.images[int64_t(i)], direct.permute({2, 0, 1})));
  }
  // A real photo is not flat grey: the decoder produced the picture.
  EXPECT_GT(pack.images.to(torch::kFloat).std().item<double>(), 20);
}

TEST(ImagePack, RefusesTruncatedForeignAndEmptyFiles) {
  TempDir dir;
  const std::string path = pack_of(dir, "p", shared_files("faces", 3), 200);
  auto bytes = read_bytes(path);
  std::ofstream(dir.file("cut.ctzp"), std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                                                std::streamsize(bytes.size() / 2));
  try {
    read_image_pack(dir.file("cut.ctzp"));
    FAIL() << "a truncated pack was read";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("truncated"), std::string::npos) << e.what();
  }
  std::ofstream(dir.file("photo.ctzp"), std::ios::binary) << "\xFF\xD8 not a pack";
  EXPECT_THROW(read_image_pack(dir.file("photo.ctzp")), Error);
  EXPECT_THROW(read_image_pack(dir.file("missing.ctzp")), Error);
  EXPECT_THROW(write_image_pack(dir.file("none.ctzp"), 128, {}), Error);
  EXPECT_THROW(training_images({dir.file("missing.ctzp")}, 128), Error);
}

TEST(ImagePack, BatchesAreResizedFlippedAndInRange) {
  TempDir dir;
  ImagePack pack = read_image_pack(pack_of(dir, "p", shared_files("faces", 5), 200));
  BatchLoader loader(pack_source(pack.images, 64, "faces"), 4, 7);
  const torch::Tensor b = loader.next();
  EXPECT_EQ(b.sizes(), (std::vector<int64_t>{4, 3, 64, 64}));
  EXPECT_GE(b.min().item<float>(), -1.f);
  EXPECT_LE(b.max().item<float>(), 1.f);
  EXPECT_GT(b.std().item<float>(), 0.1f);
  EXPECT_THROW(BatchLoader(pack_source(pack.images, 64, "faces"), 0, 7), Error);
}

TEST(Superpixels, RegionsFollowTheGridAndKeepTheColours) {
  TempDir dir;
  ImagePack pack = read_image_pack(pack_of(dir, "p", shared_files("faces", 4), 200));
  const torch::Tensor x = pack.images.to(torch::kFloat) / 255;  // 4 x 3 x 200 x 200 real faces
  const torch::Tensor labels = slic_labels(x, 20);
  ASSERT_EQ(labels.sizes(), (std::vector<int64_t>{4, 200, 200}));
  EXPECT_GE(labels.min().item<int64_t>(), 0);
  EXPECT_LT(labels.max().item<int64_t>(), 100);
  // Compact: a pixel may only join one of the 3 x 3 cells around its own,
  // so its region's centre row stays within about two cells, and on average
  // within a fraction of one.
  const torch::Tensor ys = torch::arange(200).view({1, 200, 1}).expand({4, 200, 200}).to(torch::kFloat);
  const torch::Tensor cy = region_mean(ys.unsqueeze(1), labels, 100).squeeze(1);
  EXPECT_LT((cy - ys).abs().max().item<float>(), 50.f);
  EXPECT_LT((cy - ys).abs().mean().item<float>(), 8.f);
  // Region colours approximate the photo better than the same number of
  // plain grid cells do (colour decides the borders).
  const torch::Tensor sp = region_mean(x, labels, 100);
  const torch::Tensor iy = torch::div(ys.to(torch::kLong), 20, "floor");
  const torch::Tensor grid_labels = iy * 10 + iy.transpose(1, 2);
  const torch::Tensor grid = region_mean(x, grid_labels, 100);
  const double err_sp = (sp - x).abs().mean().item<double>(), err_grid = (grid - x).abs().mean().item<double>();
  EXPECT_LT(err_sp, 0.9 * err_grid) << "superpixels " << err_sp << " vs grid " << err_grid;
  // superpixel_mean (the structure target) keeps each image's mean colour.
  const torch::Tensor in = x * 2 - 1, out = superpixel_mean(in, 12);
  EXPECT_LT((out.mean({2, 3}) - in.mean({2, 3})).abs().max().item<float>(), 1e-3f);
}

TEST(TrainOnPacks, TrainsExportsAndResumesWithoutImageFolders) {
  TempDir dir;
  const std::string photos = pack_of(dir, "photos", shared_files("faces", 8), 200);
  const std::string cartoons = pack_of(dir, "anime", shared_files("anime256", 8), 256);
  auto train = [&](const std::vector<std::string>& extra) {
    std::vector<std::string> args = {"--photos", photos, "--cartoons", cartoons, "--run", dir.file("run"),
                                     "--batch", "2", "--size", "112", "--face-api", shared_data("models/face-api"),
                                     "--no-pretrain", "--save-every", "1", "--sample-every", "2", "--threads", "2"};
    args.insert(args.end(), extra.begin(), extra.end());
    return cmd_train(args);
  };
  ASSERT_EQ(train({"--total-iter", "2"}), 0);
  ASSERT_EQ(train({"--total-iter", "3", "--resume"}), 0);
  const auto rows = lines(dir.file("run/train-losses.csv"));
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_NE(rows[0].find("colour"), std::string::npos);
  EXPECT_TRUE(fs::exists(dir.file("run/samples.png")));
  ASSERT_EQ(cmd_export({"--run", dir.file("run"), "--out", dir.file("m.ctzm"), "--size", "112"}), 0);
  EXPECT_EQ(load_model_file(dir.file("m.ctzm")).info.input_size, 112);
  // A model file is a starting point too (--init-model): a shipped style
  // resumes from its own weights.
  ASSERT_EQ(cmd_train({"--photos", photos, "--cartoons", cartoons, "--run", dir.file("from-model"), "--size", "112",
                       "--face-api", shared_data("models/face-api"), "--init-model", dir.file("m.ctzm"),
                       "--total-iter", "0", "--threads", "2"}),
            0);
  {
    Generator from_ckpt(checkpoint_generator_config(dir.file("from-model/train.ckpt")));
    load_checkpoint(dir.file("from-model/train.ckpt"), {from_ckpt, {}, {}});
    NativeModel m = load_model_file(dir.file("m.ctzm"));
    const auto a = from_ckpt->parameters(), b = m.generator->parameters();
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(torch::equal(a[i], b[i])) << "parameter " << i;
  }
  // The sample grid is a real PNG the codec reads back.
  const auto png = read_bytes(dir.file("run/samples.png"));
  const torch::Tensor grid = decode_image(png.data(), png.size());
  ASSERT_TRUE(grid.defined());
  EXPECT_EQ(grid.size(0), 2 * 112);
}
