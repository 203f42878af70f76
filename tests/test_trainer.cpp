// cartoonize-train on small real data: representations, spectral norm,
// gradients of every loss term, overfitting, resumability, crash safety, and
// export into the element's model format.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/ximgproc.hpp>

#include "checkpoint.h"
#include "commands.h"
#include "discriminator.h"
#include "error.h"
#include "engine.h"
#include "guided_upsample.h"
#include "image_codec.h"
#include "image_folder.h"
#include "image_pack.h"
#include "split.h"
#include "superpixels.h"
#include "superpixels_opencv.h"
#include "losses.h"
#include "model_file.h"
#include "representations.h"
#include "test_support.h"

namespace fs = std::filesystem;
using namespace cartoonize;
using namespace cartoonize::train;
using cartoonize::testing::TempDir;
using cartoonize::testing::shared_data;

namespace {

torch::Tensor face_batch(int n, int size = 128) {
  std::vector<torch::Tensor> items;
  auto files = list_images({shared_data("faces")});
  for (int i = 0; i < n; ++i) items.push_back(load_image_tensor(files[size_t(i) * 37], size));
  return torch::stack(items);
}

std::vector<std::string> lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

// A small prepared data set made by `prepare` from real shared data.
const std::string& prepared_data() {
  static TempDir dir;
  static bool done = [] {
    EXPECT_EQ(cmd_prepare({"--photos", shared_data("faces"), "--cartoons", shared_data("cartoons"), "--out",
                           dir.file("data"), "--limit", "24", "--size", "128"}),
              0);
    return true;
  }();
  (void)done;
  static std::string path = dir.file("data");
  return path;
}

}  // namespace

TEST(Representations, GuidedFilterMatchesOpenCv) {
  cv::Mat bgr = cv::imread(shared_data("photos/sample2.jpg")), grey, f;
  cv::resize(bgr, bgr, cv::Size(160, 120), 0, 0, cv::INTER_AREA);
  cv::cvtColor(bgr, grey, cv::COLOR_BGR2GRAY);
  grey.convertTo(f, CV_32F, 1 / 255.0);
  const int r = 4;
  const double eps = 0.01;
  cv::Mat ref;
  cv::ximgproc::guidedFilter(f, f, ref, r, eps);
  auto t = torch::from_blob(f.data, {1, 1, f.rows, f.cols}, torch::kFloat).clone();
  auto ours = guided_filter(t, t, r, eps);
  // Borders differ by design (OpenCV reflects, we clip the window): compare
  // the interior, beyond the reach of the two box passes.
  const int m = 2 * r + 1;
  auto interior = ours[0][0].slice(0, m, f.rows - m).slice(1, m, f.cols - m);
  auto ref_t = torch::from_blob(ref.data, {ref.rows, ref.cols}, torch::kFloat).slice(0, m, f.rows - m).slice(1, m, f.cols - m);
  EXPECT_LT((interior - ref_t).abs().max().item<float>(), 1e-3);
  EXPECT_GT((ours - t).abs().mean().item<float>(), 1e-3) << "the filter must smooth";
}

TEST(Representations, ColorShiftIsAWeightedGrey) {
  std::mt19937_64 rng(1);
  auto w = random_shift_weights(rng);
  EXPECT_GE(w[0].item<float>(), 0.199f);
  EXPECT_LE(w[2].item<float>(), 0.214f);
  auto grey = torch::rand({2, 1, 16, 16}) * 2 - 1;
  auto out = color_shift(grey.expand({2, 3, 16, 16}), w);
  EXPECT_EQ(out.sizes(), grey.sizes());
  EXPECT_LT((out - grey).abs().max().item<float>(), 1e-5);  // R=G=B stays itself
  auto red = torch::zeros({1, 3, 4, 4});
  red.select(1, 0).fill_(1);
  EXPECT_NEAR(color_shift(red, w).mean().item<float>(), (w[0] / w.sum()).item<float>(), 1e-5);
}

TEST(Representations, SuperpixelsArePiecewiseConstantAndKeepTheMean) {
  auto x = face_batch(2);
  auto sp = superpixel_mean(x, 12);
  ASSERT_EQ(sp.sizes(), x.sizes());
  EXPECT_FALSE(sp.requires_grad());
  auto packed = ((sp[0] + 1) * 127.5).round().to(torch::kInt32);
  auto codes = (packed[0] * 65536 + packed[1] * 256 + packed[2]).flatten();
  const int64_t distinct = std::get<0>(at::_unique(codes)).numel();
  EXPECT_LT(distinct, 300) << "a 128 px image in ~12 px superpixels has ~110 regions";
  EXPECT_GT(distinct, 20);
  EXPECT_NEAR(sp.mean().item<float>(), x.mean().item<float>(), 0.01);
}

TEST(Representations, CartoonRenderingFlattensAndOutlinesButKeepsTheFace) {
  auto x = face_batch(4);
  auto t = cartoon_rendering(x);
  ASSERT_EQ(t.sizes(), x.sizes());
  EXPECT_FALSE(t.requires_grad());
  EXPECT_LE(t.max().item<float>(), 1.f);
  EXPECT_GE(t.min().item<float>(), -1.f);
  auto grey = [](const torch::Tensor& v) { return v.mean(1, true); };
  // Smoothed: less fine detail (distance to a 3x3 box blur) than the photo,
  // before the outlines are drawn.
  auto detail = [&](const torch::Tensor& v) {
    auto g = grey(v);
    return (g - torch::nn::functional::avg_pool2d(g, torch::nn::functional::AvgPool2dFuncOptions(3).stride(1).padding(1)))
        .abs().mean().item<float>();
  };
  CartoonRendering no_ink;
  no_ink.ink = 0;
  const torch::Tensor t_no_ink = cartoon_rendering(x, no_ink);
  EXPECT_LT(detail(t_no_ink), 0.7f * detail(x)) << "photo " << detail(x) << " rendering without ink " << detail(t_no_ink);
  // Outlined: the ink darkens thin lines, not whole areas.
  const float inked = (grey(t_no_ink) - grey(t) > 0.1).to(torch::kFloat).mean().item<float>();
  EXPECT_GT(inked, 0.003f);
  EXPECT_LT(inked, 0.2f);
  // Same face: close on average.
  EXPECT_LT((t - x).abs().mean().item<float>(), 0.2f);
  // A flat image has no edges: no outlines, same colour (saturation of grey is grey).
  auto flat = torch::full({1, 3, 64, 64}, 0.2f);
  EXPECT_LT((cartoon_rendering(flat) - flat).abs().max().item<float>(), 0.02f);
}

TEST(Representations, ToonShadingQuantisesLuminanceIntoFlatBands) {
  auto x = face_batch(2);
  const CartoonRendering toon = parse_cartoon_rendering("levels=4,level_sharpness=40,ink=0,saturation=1,flatness=0");
  EXPECT_EQ(toon.levels, 4);
  const auto lum = [](const torch::Tensor& v) {
    return ((0.299 * v.narrow(1, 0, 1) + 0.587 * v.narrow(1, 1, 1) + 0.114 * v.narrow(1, 2, 1)) + 1) / 2;
  };
  // Steps at the 4 levels (0, 1/3, 2/3, 1), flat bands between them: almost
  // every pixel's luminance sits near a band's middle (1/6, 1/2, 5/6).
  const torch::Tensor y = lum(cartoon_rendering(x, toon)) * 3 - 0.5;
  const float near_level = ((y - y.round()).abs() < 0.1).to(torch::kFloat).mean().item<float>();
  const torch::Tensor y_photo = lum(x) * 3 - 0.5;
  const float near_level_photo = ((y_photo - y_photo.round()).abs() < 0.1).to(torch::kFloat).mean().item<float>();
  EXPECT_GT(near_level, 0.9f) << "photo: " << near_level_photo;
  EXPECT_LT(near_level_photo, 0.5f);
  // Still the same picture: bands follow the photo's own shading.
  EXPECT_LT((lum(cartoon_rendering(x, toon)) - lum(x)).abs().mean().item<float>(), 0.12f);
  // A flat image stays flat.
  const torch::Tensor flat = cartoon_rendering(torch::full({1, 3, 32, 32}, 0.1f), toon);
  EXPECT_LT((flat - flat.mean()).abs().max().item<float>(), 1e-4f);
}

TEST(Representations, L0SmoothingLeavesFlatRegionsAndSharpSteps) {
  auto x = (face_batch(2) + 1) / 2;
  const torch::Tensor s = l0_smooth(x, 0.01);
  ASSERT_EQ(s.sizes(), x.sizes());
  // Share of neighbour pairs with (almost) no difference: flat regions.
  const auto flat_share = [](const torch::Tensor& v) {
    return ((v.narrow(3, 1, v.size(3) - 1) - v.narrow(3, 0, v.size(3) - 1)).abs().amax(1) < 1e-3)
        .to(torch::kFloat).mean().item<float>();
  };
  EXPECT_GT(flat_share(s), 0.4f) << "photo " << flat_share(x);
  EXPECT_LT(flat_share(x), 0.3f);
  // Each colour channel keeps its mean (the DC term is never changed).
  EXPECT_LT((s.mean({2, 3}) - x.mean({2, 3})).abs().max().item<float>(), 1e-3f);
  EXPECT_LT((s - x).abs().mean().item<float>(), 0.05f) << "the same picture, flattened";
  // Larger lambda: flatter.
  EXPECT_GT(flat_share(l0_smooth(x, 0.04)), flat_share(s));
}

TEST(Representations, L0ReferenceKeepsTheFeaturesOfFaintFaces) {
  // A face at 30 % contrast: a fixed lambda flattens most of it away; with
  // l0_reference the lambda shrinks with the image's gradient energy.
  const torch::Tensor faint = face_batch(2) * 0.3;
  const auto detail = [](const torch::Tensor& v) {
    return (v.narrow(3, 1, v.size(3) - 1) - v.narrow(3, 0, v.size(3) - 1)).abs().mean().item<float>();
  };
  const CartoonRendering fixed = parse_cartoon_rendering("l0_lambda=0.005,flatness=0,ink=0,saturation=1");
  const CartoonRendering adaptive = parse_cartoon_rendering("l0_lambda=0.005,l0_reference=0.0016,flatness=0,ink=0,saturation=1");
  const float d_fixed = detail(cartoon_rendering(faint, fixed)), d_adaptive = detail(cartoon_rendering(faint, adaptive));
  EXPECT_GT(d_adaptive, 1.3f * d_fixed) << "fixed " << d_fixed << " adaptive " << d_adaptive << " photo " << detail(faint);
  // Above the reference nothing changes.
  const torch::Tensor strong = face_batch(1);
  const CartoonRendering tiny_ref = parse_cartoon_rendering("l0_lambda=0.005,l0_reference=1e-9,flatness=0");
  EXPECT_LT((cartoon_rendering(strong, tiny_ref) - cartoon_rendering(strong, parse_cartoon_rendering("l0_lambda=0.005,flatness=0")))
                .abs().max().item<float>(), 1e-5f);
}

TEST(Representations, RenderingSettingsParseAndRefuseBadOnes) {
  const CartoonRendering o = parse_cartoon_rendering("levels=5, ink=0.9,chroma_sigma=1.5");
  EXPECT_EQ(o.levels, 5);
  EXPECT_DOUBLE_EQ(o.chroma_sigma, 1.5);
  EXPECT_DOUBLE_EQ(o.ink, 0.9);
  EXPECT_EQ(parse_cartoon_rendering(describe(o)).levels, 5) << describe(o);
  EXPECT_EQ(describe(parse_cartoon_rendering("")), describe(CartoonRendering{}));
  EXPECT_THROW(parse_cartoon_rendering("colours=3"), cartoonize::Error);
  EXPECT_THROW(parse_cartoon_rendering("levels=2.5"), cartoonize::Error);
  EXPECT_THROW(parse_cartoon_rendering("ink=-1"), cartoonize::Error);
  EXPECT_THROW(parse_cartoon_rendering("ink="), cartoonize::Error);
  EXPECT_THROW(parse_cartoon_rendering("surface_radius=0"), cartoonize::Error);
}

TEST(Discriminator, SpectralNormOfEveryLayerIsAboutOne) {
  torch::manual_seed(3);
  PatchDiscriminator d(3);
  d->train();
  auto x = torch::rand({2, 3, 64, 64});
  for (int i = 0; i < 30; ++i) d->forward(x);  // power iterations
  for (auto& layer : d->layers) {
    auto w = layer->normalized_weight().detach();
    auto s = torch::linalg_svdvals(w.view({w.size(0), -1}))[0].item<float>();
    EXPECT_NEAR(s, 1.0f, 0.05f);
  }
  EXPECT_EQ(d->forward(x).size(1), 1);
}

TEST(Losses, EveryTermSendsAGradientToTheGenerator) {
  torch::manual_seed(4);
  Generator g(GeneratorConfig{8, 1});
  PatchDiscriminator ds(3), dt(1);
  ContentNet content(shared_data("models/face-api"), "");
  LandmarkLoss landmark(shared_data("models/face-api"));
  auto x = face_batch(2);
  std::mt19937_64 rng(5);
  auto shift = random_shift_weights(rng);
  const std::vector<std::pair<std::string, std::function<torch::Tensor(const torch::Tensor&)>>> terms = {
      {"variance", [&](const torch::Tensor& f) { return variation_loss(f); }},
      {"surface", [&](const torch::Tensor& f) { return (ds->forward(surface(f)) - 1).pow(2).mean(); }},
      {"texture", [&](const torch::Tensor& f) { return (dt->forward(color_shift(f, shift)) - 1).pow(2).mean(); }},
      {"content", [&](const torch::Tensor& f) { return content.distance(content.features(f), content.features(x)); }},
      {"structure", [&](const torch::Tensor& f) {
         return content.distance(content.features(f), content.features(superpixel_mean(f)));
       }},
      {"landmark", [&](const torch::Tensor& f) { return landmark.distance(f, landmark.landmarks(x)); }},
  };
  for (const auto& [name, term] : terms) {
    g->zero_grad();
    term(g->forward(x)).backward();
    double norm = 0;
    for (const auto& p : g->parameters()) {
      ASSERT_TRUE(p.grad().defined()) << name;
      ASSERT_TRUE(torch::isfinite(p.grad()).all().item<bool>()) << name;
      norm += p.grad().norm().item<double>();
    }
    EXPECT_GT(norm, 0.0) << name << " sends no gradient";
  }
}

TEST(Losses, ContentNetRefusesMissingWeights) {
  try {
    ContentNet c("/nonexistent", "");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("never falls back to random weights"), std::string::npos);
  }
}

TEST(Pretrain, OverfitsAFixedTinyBatch) {
  torch::manual_seed(6);
  Generator g(GeneratorConfig{8, 1});
  torch::optim::Adam opt(g->parameters(), torch::optim::AdamOptions(1e-3));
  auto x = face_batch(2, 64);
  double first = 0, last = 0;
  for (int i = 0; i < 60; ++i) {
    auto loss = torch::l1_loss(g->forward(x), x);
    opt.zero_grad();
    loss.backward();
    opt.step();
    (i == 0 ? first : last) = loss.item<double>();
  }
  EXPECT_LT(last, 0.5 * first) << "first " << first << " last " << last;
}

TEST(Pretrain, CartoonTargetTrainsTowardsTheRenderingAndResumesOldCheckpoints) {
  const std::string& data = prepared_data();
  TempDir dir;
  auto args = [&](const std::string& total, std::vector<std::string> extra) {
    std::vector<std::string> a = {"--data", data, "--run", dir.file("r"), "--batch", "2", "--size", "128",
                                  "--width", "8", "--res-blocks", "1", "--sample-every", "1", "--total-iter", total,
                                  "--face-api", shared_data("models/face-api")};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  };
  EXPECT_THROW(cmd_pretrain(args("1", {"--target", "anime"})), Error);
  ASSERT_EQ(cmd_pretrain(args("2", {"--target", "cartoon"})), 0);
  EXPECT_TRUE(fs::exists(dir.file("r/pretrain-samples.png")));
  EXPECT_EQ(lines(dir.file("r/pretrain-losses.csv")).size(), 3u);

  // The first checkpoint format kept the optimiser under "optimizer": it resumes.
  Generator g(GeneratorConfig{8, 1});
  torch::optim::Adam opt(g->parameters());
  load_checkpoint(dir.file("r/pretrain.ckpt"), {g, {}, {{"g", &opt}}});
  torch::serialize::OutputArchive old, gen, o;
  g->save(gen);
  opt.save(o);
  old.write("generator", gen);
  old.write("optimizer", o);
  old.write("iteration", torch::tensor(int64_t(2)));
  old.write("seconds", torch::tensor(1.0));
  old.write("width", torch::tensor(int64_t(8)));
  old.write("res_blocks", torch::tensor(int64_t(1)));
  old.save_to(dir.file("r/pretrain.ckpt"));
  ASSERT_EQ(cmd_pretrain(args("3", {"--target", "cartoon", "--resume"})), 0);
  EXPECT_EQ(lines(dir.file("r/pretrain-losses.csv")).size(), 4u);
}

TEST(Trainer, PrepareAlignsFacesAndListsSkippedFiles) {
  const std::string& data = prepared_data();
  size_t faces = list_images({data + "/photo"}).size();
  EXPECT_GE(faces, 20u);  // dlib finds ~98 % of these crops
  EXPECT_EQ(list_images({data + "/cartoon"}).size(), 24u);
  EXPECT_EQ(lines(data + "/photo/landmarks.tsv").size(), faces + 1);
  cv::Mat crop = cv::imread(list_images({data + "/photo"})[0]);
  EXPECT_EQ(crop.size(), cv::Size(128, 128));
  EXPECT_EQ(lines(data + "/skipped.tsv").size(), 24 - faces + 1);  // header + one line per skipped photo
}

TEST(Trainer, TrainResumesExactlyAndKeepsSnapshots) {
  const std::string& data = prepared_data();
  TempDir dir;
  auto run = [&](const std::string& name, const std::vector<std::string>& extra) {
    std::vector<std::string> args = {"--data", data, "--run", dir.file(name), "--batch", "2", "--size", "128",
                                     "--snapshot-every", "2", "--keep-last", "1", "--save-every", "1",
                                     "--sample-every", "2", "--face-api", shared_data("models/face-api"),
                                     "--no-pretrain"};
    args.insert(args.end(), extra.begin(), extra.end());
    ASSERT_EQ(cmd_train(args), 0);
  };
  run("straight", {"--total-iter", "4"});
  run("resumed", {"--total-iter", "3"});
  run("resumed", {"--total-iter", "4", "--resume"});
  auto a = lines(dir.file("straight/train-losses.csv")), b = lines(dir.file("resumed/train-losses.csv"));
  ASSERT_EQ(a.size(), 5u);
  ASSERT_EQ(b.size(), 5u);
  auto losses = [](const std::string& row) { return row.substr(0, row.rfind(',')); };  // drop the seconds
  EXPECT_EQ(losses(a[4]), losses(b[4])) << "the step after resuming differs";
  EXPECT_EQ(losses(a[3]), losses(b[3]));
  EXPECT_TRUE(fs::exists(dir.file("straight/train-v2.ckpt")));
  EXPECT_FALSE(fs::exists(dir.file("straight/train-v1.ckpt"))) << "--keep-last 1";
  EXPECT_TRUE(fs::exists(dir.file("straight/samples.png")));

  // export -> the element's Engine gives the trainer's generator output.
  ASSERT_EQ(cmd_export({"--run", dir.file("straight"), "--out", dir.file("m.ctzm")}), 0);
  Generator g(checkpoint_generator_config(dir.file("straight/train.ckpt")));
  load_checkpoint(dir.file("straight/train.ckpt"), {g, {}, {}});
  g->eval();
  cv::Mat bgr = cv::imread(list_images({data + "/photo"})[0]), rgb;
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  cv::Mat framed = rgb.clone();
  auto engine = Engine::create({dir.file("m.ctzm"), DeviceChoice::Cpu, std::nullopt});
  engine->cartoonize_frame({framed.data, framed.cols, framed.rows, std::ptrdiff_t(framed.step[0]), PixelLayout::RGB}, 1.f);
  torch::NoGradGuard ng;
  auto x = torch::from_blob(rgb.data, {rgb.rows, rgb.cols, 3}, torch::kUInt8).permute({2, 0, 1}).unsqueeze(0).to(torch::kFloat) / 127.5 - 1;
  auto y = ((g->forward(x) + 1) * 127.5).round().clamp(0, 255).squeeze(0).permute({1, 2, 0}).to(torch::kUInt8).contiguous();
  cv::Mat want(rgb.rows, rgb.cols, CV_8UC3, y.data_ptr<uint8_t>());
  EXPECT_LE(cv::norm(framed, want, cv::NORM_INF), 1.0);
}

TEST(Trainer, ACheckpointWriteKilledMidwayLeavesTheLastOneLoadable) {
  TempDir dir;
  const std::string path = dir.file("c.ckpt");
  Generator g(GeneratorConfig{32, 4});
  torch::optim::Adam opt(g->parameters());
  save_checkpoint(path, {g, {}, {{"g", &opt}}}, {1, 0});
  for (int attempt = 0; attempt < 6; ++attempt) {
    pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      for (int64_t i = 2;; ++i) save_checkpoint(path, {g, {}, {{"g", &opt}}}, {i, 0});
    }
    usleep(useconds_t(20000 + attempt * 17000));
    kill(child, SIGKILL);
    waitpid(child, nullptr, 0);
    Generator h(GeneratorConfig{32, 4});
    CheckpointState s;
    ASSERT_NO_THROW(s = load_checkpoint(path, {h, {}, {}})) << "attempt " << attempt;
    EXPECT_GE(s.iteration, 1);
  }
}

TEST(Trainer, UnreadableImagesAreSkippedAndCounted) {
  TempDir dir;
  fs::create_directories(dir.file("photos"));
  auto files = list_images({shared_data("faces")});
  for (int i = 0; i < 3; ++i) fs::copy_file(files[size_t(i)], dir.file("photos/" + std::to_string(i) + ".jpg"));
  std::ofstream(dir.file("photos/broken.jpg")) << "not a jpeg";
  std::ofstream(dir.file("photos/empty.png"));
  ASSERT_EQ(cmd_prepare({"--photos", dir.file("photos"), "--cartoons", dir.file("photos"), "--out", dir.file("data")}), 0);
  const auto skipped = lines(dir.file("data/skipped.tsv"));
  int unreadable = 0;
  for (const auto& l : skipped) unreadable += l.find("unreadable") != std::string::npos;
  EXPECT_EQ(unreadable, 4);  // two broken files, met as photos and as cartoons
  BatchLoader loader(folder_source(dir.file("photos"), 64), 4, 1);
  EXPECT_EQ(loader.next().size(0), 4);
  EXPECT_GT(loader.skipped(), 0);
}

TEST(Trainer, DistillTrainsASmallerStudentThatTheEngineLoads) {
  const std::string& data = prepared_data();
  TempDir dir;
  Generator teacher;  // the default architecture, width 32, 4 res blocks
  ModelInfo info;
  save_model_file(dir.file("teacher.ctzm"), teacher, info, false);
  ASSERT_EQ(cmd_distill({"--data", data, "--teacher", dir.file("teacher.ctzm"), "--run", dir.file("student"),
                         "--width", "8", "--res-blocks", "1", "--batch", "2", "--total-iter", "30", "--w-content", "0"}),
            0);
  auto rows = lines(dir.file("student/distill-losses.csv"));
  ASSERT_EQ(rows.size(), 31u);
  auto l1_at = [&](size_t i) { return std::stod(rows[i].substr(rows[i].find(',') + 1)); };
  double first = 0, last = 0;
  for (size_t i = 1; i <= 5; ++i) first += l1_at(i), last += l1_at(rows.size() - i);
  EXPECT_LT(last, 0.7 * first) << "the student should move towards the teacher's output";

  ASSERT_EQ(cmd_export({"--run", dir.file("student"), "--stage", "distill", "--out", dir.file("s.ctzm")}), 0);
  const NativeModel student = load_model_file(dir.file("s.ctzm"));
  EXPECT_EQ(student.info.width, 8);
  EXPECT_EQ(student.info.res_blocks, 1);
  auto engine = Engine::create({dir.file("s.ctzm"), DeviceChoice::Cpu, std::nullopt});
  cv::Mat frame(64, 96, CV_8UC3, cv::Scalar(90, 120, 200));
  const cv::Mat before = frame.clone();
  engine->cartoonize_frame({frame.data, frame.cols, frame.rows, std::ptrdiff_t(frame.step[0]), PixelLayout::RGB}, 1.f);
  EXPECT_GT(cv::norm(frame, before, cv::NORM_L1), 0.0) << "the student must change the frame";
}

TEST(Trainer, ExportFromModelRewritesTheHeaderAndKeepsTheWeights) {
  // A shipped style, given the finishing filter its model card names.
  const std::string root = cartoonize::testing::env_or("CARTOONIZE_SOURCE_ROOT", ".");
  const std::string ink = root + "/models/styles/ink.ctzm";
  TempDir dir;
  ASSERT_EQ(cmd_export({"--from-model", ink, "--output-filter", "lines=2,0.06+guided=1,0.002", "--style", "ink2",
                        "--note", "rewritten", "--out", dir.file("ink2.ctzm")}),
            0);
  NativeModel before = load_model_file(ink), after = load_model_file(dir.file("ink2.ctzm"));
  EXPECT_EQ(after.info.style, "ink2");
  EXPECT_EQ(after.info.output_filter.line_radius, 2);
  EXPECT_DOUBLE_EQ(after.info.output_filter.line_contrast, 0.06);
  EXPECT_EQ(after.info.output_filter.radius, 1);
  EXPECT_EQ(after.info.dtype, before.info.dtype);
  EXPECT_EQ(after.info.input_size, before.info.input_size);
  EXPECT_NE(after.info.provenance_json.find("rewritten"), std::string::npos);
  EXPECT_EQ(after.info.provenance_json.rfind(before.info.provenance_json.substr(0, before.info.provenance_json.size() - 1), 0), 0u)
      << "the old provenance is kept";
  torch::NoGradGuard no_grad;
  const torch::Tensor x = torch::rand({1, 3, 32, 32}) * 2 - 1;
  EXPECT_TRUE(torch::equal(before.generator->forward(x), after.generator->forward(x))) << "same weights";
  // 'none' takes the filter off again; a bad filter is refused before writing.
  ASSERT_EQ(cmd_export({"--from-model", dir.file("ink2.ctzm"), "--output-filter", "none", "--out", dir.file("off.ctzm")}), 0);
  EXPECT_FALSE(read_model_header(dir.file("off.ctzm")).output_filter.on());
  EXPECT_THROW(cmd_export({"--from-model", ink, "--output-filter", "lines=0,2", "--out", dir.file("bad.ctzm")}), Error);
  EXPECT_FALSE(fs::exists(dir.file("bad.ctzm")));
}

TEST(Trainer, ExportWritesTheStyleNameAndRefusesABadOne) {
  // The committed pretrain checkpoint (models/training) as the run: export only reads it.
  const std::string run = cartoonize::testing::env_or("CARTOONIZE_SOURCE_ROOT", ".") + "/models/training";
  TempDir dir;
  ASSERT_EQ(cmd_export({"--run", run, "--stage", "pretrain", "--half", "--style", "toon-2_b", "--out",
                        dir.file("toon.ctzm")}),
            0);
  EXPECT_EQ(read_model_header(dir.file("toon.ctzm")).style, "toon-2_b");
  EXPECT_EQ(load_model_file(dir.file("toon.ctzm")).info.style, "toon-2_b");
  ASSERT_EQ(cmd_export({"--run", run, "--stage", "pretrain", "--half", "--out", dir.file("plain.ctzm")}), 0);
  EXPECT_EQ(read_model_header(dir.file("plain.ctzm")).style, "") << "no --style, no style line";
  for (const char* bad : {"Toon", "my style", "toon.v2", "../x"}) {
    try {
      cmd_export({"--run", run, "--stage", "pretrain", "--style", bad, "--out", dir.file("bad.ctzm")});
      ADD_FAILURE() << "--style " << bad << " was accepted";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("style name"), std::string::npos) << e.what();
    }
    EXPECT_FALSE(fs::exists(dir.file("bad.ctzm")));
  }
}

TEST(Superpixels, LibTorchSlicApproximatesFacesAsWellAsXimgproc) {
  // The structure term's superpixels in LibTorch (any device) against OpenCV
  // ximgproc's SLICO on 8 real aligned faces: both fill regions with their
  // mean colour; the LibTorch ones must stay as close to the photo.
  const torch::Tensor x = face_batch(8);
  const torch::Tensor ours = superpixel_mean(x, 12), ref = superpixel_mean_ximgproc(x, 12);
  const double err_ours = (ours - x).abs().mean().item<double>(), err_ref = (ref - x).abs().mean().item<double>();
  EXPECT_LT(err_ours, 1.15 * err_ref) << "LibTorch " << err_ours << " vs ximgproc " << err_ref;
  // The two agree with each other about as well as each agrees with the photo.
  EXPECT_LT((ours - ref).abs().mean().item<double>(), 1.5 * std::max(err_ours, err_ref));
}

TEST(Pack, WritesCentreCropsLeavesOutHeldOutFilesAndSkipsBrokenOnes) {
  TempDir dir;
  fs::create_directories(dir.file("in"));
  auto files = list_images({shared_data("anime256")});
  files.resize(40);
  for (const auto& f : files) fs::copy_file(f, dir.file("in/" + fs::path(f).filename().string()));
  std::ofstream(dir.file("in/broken.jpg")) << "not a jpeg";
  ASSERT_EQ(cmd_pack({"--images", dir.file("in"), "--out", dir.file("a.ctzp"), "--size", "96"}), 0);
  const ImagePack pack = read_image_pack(dir.file("a.ctzp"));
  int held = 0;
  for (const auto& f : files) held += held_out(f, kStyleHeldOutPercent);
  EXPECT_EQ(size_t(pack.images.size(0)), files.size() - size_t(held) - 0) << "broken.jpg is skipped, held-out left out";
  for (const auto& n : pack.names) EXPECT_FALSE(held_out(n, kStyleHeldOutPercent)) << n;
  EXPECT_EQ(pack.images.size(2), 96);
  // stb's decoding of the pack against OpenCV's own resize of the source.
  const std::string first = dir.file("in/" + pack.names[0]);
  cv::Mat bgr = cv::imread(first), small, rgb;
  cv::resize(bgr, small, cv::Size(96, 96), 0, 0, cv::INTER_AREA);
  cv::cvtColor(small, rgb, cv::COLOR_BGR2RGB);
  const torch::Tensor want = torch::from_blob(rgb.data, {96, 96, 3}, torch::kUInt8).permute({2, 0, 1}).to(torch::kFloat);
  EXPECT_LT((pack.images[0].to(torch::kFloat) - want).abs().mean().item<double>(), 3.0) << "JPEG at quality 92";
  EXPECT_THROW(cmd_pack({"--images", dir.file("in"), "--out", dir.file("a.png")}), Error);
  EXPECT_THROW(cmd_pack({"--images", dir.file("in"), "--out", dir.file("b.ctzp"), "--size", "0"}), Error);
}

// Every numeric option is checked against its declared range before any work:
// each bad value is refused with an Error that names the option and the
// range, for every command that has it.
TEST(TrainerArgs, BadValuesAreRefusedNamingTheOptionAndItsRange) {
  TempDir dir;
  using Command = int (*)(const std::vector<std::string>&);
  struct Case {
    const char* command;
    Command run;
    std::vector<std::string> base;
  };
  const std::string faces = shared_data("faces");
  const std::vector<Case> commands = {
      {"pretrain", cmd_pretrain, {"--data", faces, "--run", dir.file("r")}},
      {"train", cmd_train, {"--data", faces, "--run", dir.file("r")}},
      {"distill", cmd_distill, {"--data", faces, "--run", dir.file("r")}},
      {"export", cmd_export, {"--run", dir.file("r"), "--out", dir.file("m.ctzm")}},
      {"bench", cmd_bench, {"--data", faces}},
      {"prepare", cmd_prepare, {"--photos", faces, "--cartoons", faces, "--out", dir.file("d")}},
      {"pack", cmd_pack, {"--images", faces, "--out", dir.file("p.ctzp")}},
      {"test", cmd_test, {"--data", dir.file("d"), "--run", dir.file("r")}},
  };
  // option, bad value, the range the message must give, the commands that have it.
  struct Bad {
    std::string option, value, range;
    std::vector<std::string> in;
  };
  const std::vector<std::string> training = {"pretrain", "train", "distill"};
  const std::vector<Bad> bad = {
      {"batch", "0", "1..1024", training},
      {"batch", "-1", "1..1024", training},
      {"batch", "abc", "1..1024", training},
      {"batch", "99999999999", "1..1024", training},
      {"size", "0", "16..1024", {"pretrain", "train", "export", "bench", "prepare", "pack", "test"}},
      {"size", "100000", "16..1024", {"pretrain", "train", "export", "bench", "prepare", "pack", "test"}},
      {"total-iter", "-5", "0..", training},
      {"width", "0", "1..512", {"pretrain", "distill"}},
      {"res-blocks", "-1", "0..64", {"pretrain", "distill"}},
      {"lr", "nan", "above 0", training},
      {"lr", "inf", "above 0", training},
      {"lr", "0", "above 0", training},
      {"lr", "-1e-4", "above 0", training},
      {"threads", "0", "1..1024", {"pretrain", "train", "distill", "bench", "test"}},
      {"save-every", "0", "1..", training},
      {"time-budget", "-1", "0..", training},
      {"batches", "0", "1..1024", {"bench"}},
      {"batches", "8,x", "1..1024", {"bench"}},
      {"sample-every", "0", "1..", {"pretrain", "train"}},
      {"keep-last", "0", "1..", {"train"}},
      {"w-surface", "nan", "0..", {"train"}},
      {"margin", "2", "0..1", {"prepare"}},
      {"test-percent", "100", "0..99", {"prepare"}},
      {"quality", "10", "50..100", {"pack"}},
  };
  int checked = 0;
  for (const auto& b : bad)
    for (const auto& cmd : b.in) {
      const Case& c = *std::find_if(commands.begin(), commands.end(), [&](const Case& k) { return cmd == k.command; });
      auto argv = c.base;
      argv.insert(argv.end(), {"--" + b.option, b.value});
      const std::string what = cmd + " --" + b.option + " " + b.value;
      try {
        c.run(argv);
        ADD_FAILURE() << what << " was accepted";
      } catch (const Error& e) {
        const std::string m = e.what();
        EXPECT_NE(m.find("--" + b.option + " must be"), std::string::npos) << what << ": " << m;
        EXPECT_NE(m.find(b.range), std::string::npos) << what << ": " << m;
        EXPECT_NE(m.find("'" + b.value.substr(b.value.rfind(',') + 1) + "'"), std::string::npos) << what << ": " << m;
        EXPECT_EQ(m.find('\n'), std::string::npos) << what << ": " << m;
      } catch (const std::exception& e) {
        ADD_FAILURE() << what << " threw something else than cartoonize::Error: " << e.what();
      }
      ++checked;
    }
  EXPECT_GE(checked, 50);
  EXPECT_FALSE(fs::exists(dir.file("d"))) << "prepare wrote its data folder before refusing";
  EXPECT_FALSE(fs::exists(dir.file("r"))) << "a command made its run folder before refusing";
  // The ranges are in --help, next to the defaults.
  ::testing::internal::CaptureStdout();
  EXPECT_EQ(cmd_pretrain({"--help"}), 0);
  const std::string help = ::testing::internal::GetCapturedStdout();
  EXPECT_NE(help.find("images per step (1..1024) [8]"), std::string::npos) << help;
  EXPECT_NE(help.find("Adam learning rate (above 0) [2e-4]"), std::string::npos) << help;
  // 0 iterations stays allowed (nothing to do); the lower ends are accepted.
  EXPECT_NO_THROW(cmd_pack({"--images", faces, "--out", dir.file("q.ctzp"), "--size", "16", "--limit", "2",
                            "--quality", "50", "--held-out-percent", "0"}));
}

// A JPEG cut short (an interrupted download) decodes "successfully" in
// OpenCV with grey rows for the missing part; it must be refused like any
// unreadable file, and counted once however often it is met.
TEST(Trainer, TruncatedJpegIsRefusedAndCountedOnce) {
  TempDir dir;
  fs::create_directories(dir.file("photos"));
  auto files = list_images({shared_data("faces")});
  for (int i = 0; i < 3; ++i) fs::copy_file(files[size_t(i) * 5], dir.file("photos/" + std::to_string(i) + ".jpg"));
  std::ifstream in(files[20], std::ios::binary);
  const std::string whole((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_GT(whole.size(), 2000u);
  std::ofstream(dir.file("photos/cut.jpg"), std::ios::binary) << whole.substr(0, whole.size() * 6 / 10);
  std::ofstream(dir.file("photos/broken.jpg")) << "not a jpeg";

  auto bytes = [](const std::string& s) { return reinterpret_cast<const uint8_t*>(s.data()); };
  EXPECT_TRUE(truncated_jpeg(bytes(whole), whole.size() * 6 / 10));
  EXPECT_TRUE(truncated_jpeg(bytes(whole), whole.size() - 1)) << "cut in the end marker";
  EXPECT_TRUE(truncated_jpeg(bytes(whole), 300)) << "cut in the headers";
  EXPECT_FALSE(truncated_jpeg(bytes(whole), whole.size()));
  for (size_t i = 0; i < files.size(); i += std::max<size_t>(1, files.size() / 60)) {  // real JPEGs are complete
    std::ifstream f(files[i], std::ios::binary);
    const std::string b((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    EXPECT_FALSE(truncated_jpeg(bytes(b), b.size())) << files[i];
  }
  EXPECT_FALSE(read_image(files[20]).empty());
  EXPECT_TRUE(read_image(dir.file("photos/cut.jpg")).empty());
  EXPECT_TRUE(decode_image(bytes(whole), whole.size()).defined());
  EXPECT_FALSE(decode_image(bytes(whole), whole.size() * 6 / 10).defined()) << "stb's packs refuse it too";

  // 5 files, 2 unreadable, drawn ~80 times: each bad one is counted once.
  BatchLoader loader(folder_source(dir.file("photos"), 64), 4, 1);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(loader.next().size(0), 4);
  EXPECT_EQ(loader.skipped(), 2);

  ASSERT_EQ(cmd_prepare({"--photos", dir.file("photos"), "--cartoons", dir.file("photos"), "--out", dir.file("data")}), 0);
  int cut = 0;
  for (const auto& l : lines(dir.file("data/skipped.tsv"))) cut += l.find("cut.jpg\tunreadable") != std::string::npos;
  EXPECT_EQ(cut, 2) << "listed as unreadable among the photos and among the cartoons";
  EXPECT_EQ(list_images({dir.file("data/cartoon")}).size(), 3u);

  ASSERT_EQ(cmd_pack({"--images", dir.file("photos"), "--out", dir.file("p.ctzp"), "--held-out-percent", "0"}), 0);
  EXPECT_EQ(read_image_pack(dir.file("p.ctzp")).images.size(0), 3);
}
