// `bench`: iterations per second of a full training step and the time of
// each part of it, at the given batch sizes, on this machine.
#include <chrono>
#include <cstdio>
#include <functional>
#include <random>

#include "args.h"
#include "commands.h"
#include "discriminator.h"
#include "generator.h"
#include "image_folder.h"
#include "losses.h"
#include "representations.h"
#include "run_dir.h"
#include "superpixels_opencv.h"

namespace cartoonize::train {
namespace {

double ms(int reps, const std::function<void()>& fn) {
  fn();  // warm-up
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < reps; ++i) fn();
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() / reps;
}

}  // namespace

int cmd_bench(const std::vector<std::string>& argv) {
  Args a("bench", "Time a training step and each of its parts (G, both D, content and landmark nets, representations, data).");
  a.option("data", "", "prepared data folder or any folder of face photos", true)
      .option("batches", "8,16", "batch sizes to measure (comma-separated)").range(1, 1024)
      .option("size", "128", "resolution").range(16, 1024)
      .option("reps", "3", "repetitions per measurement").range(1, 1000)
      .option("face-api", default_face_api_dir(), "face-api weights folder");
  declare_threads(a, "CPU threads");
  if (!a.parse(argv)) return 0;
  torch::set_num_threads(a.integer("threads"));
  torch::manual_seed(1);
  const int size = a.integer("size"), reps = a.integer("reps");
  const auto files = list_images({training_photo_folder(a.str("data"))});
  Generator g;
  PatchDiscriminator ds(3), dt(1);
  ContentNet content(a.str("face-api"), "");
  LandmarkLoss landmark(a.str("face-api"));
  std::mt19937_64 rng(1);
  std::printf("| part | batch | ms |\n|---|---|---|\n");
  for (const auto& b : a.list("batches")) {
    const int batch = std::stoi(b);
    std::vector<torch::Tensor> items;
    const double load = ms(reps, [&] {
      items.clear();
      for (int i = 0; i < batch; ++i) items.push_back(load_image_tensor(files[size_t(i) % files.size()], size));
    });
    torch::Tensor x = torch::stack(items);
    auto shift = random_shift_weights(rng);
    auto row = [&](const char* part, double v) { std::printf("| %s | %d | %.1f |\n", part, batch, v); };
    row("data loading (one thread, off the training thread)", load);
    torch::Tensor fake;
    row("G forward", ms(reps, [&] { fake = g->forward(x); }));
    row("G forward + backward (L1)", ms(reps, [&] {
          g->zero_grad();
          torch::l1_loss(g->forward(x), x).backward();
        }));
    torch::Tensor fd = fake.detach();
    row("surface (guided filter)", ms(reps, [&] { surface(fd); }));
    row("texture (colour shift)", ms(reps, [&] { color_shift(fd, shift); }));
    row("structure: SLIC superpixels in LibTorch (trainer/superpixels.h)", ms(reps, [&] { superpixel_mean(fd); }));
    row("structure: ximgproc SLICO (the path before session 6; baseline)",
        ms(reps, [&] { superpixel_mean_ximgproc(fd); }));
    row("pretrain --target cartoon: default rendering", ms(reps, [&] { cartoon_rendering(x); }));
    row("pretrain --target cartoon: L0 rendering (l0_lambda=0.005)",
        ms(reps, [&] { cartoon_rendering(x, parse_cartoon_rendering("l0_lambda=0.005,flatness=0")); }));
    row("D_surface forward + backward", ms(reps, [&] {
          ds->zero_grad();
          ds->forward(surface(fd)).pow(2).mean().backward();
        }));
    row("D_texture forward + backward", ms(reps, [&] {
          dt->zero_grad();
          dt->forward(color_shift(fd, shift)).pow(2).mean().backward();
        }));
    row("content net forward (x, G(x), superpixels)", ms(reps, [&] {
          torch::NoGradGuard ng;
          for (int k = 0; k < 3; ++k) content.features(fd);
        }));
    row("landmark net forward (x, G(x))", ms(reps, [&] {
          torch::NoGradGuard ng;
          landmark.landmarks(fd);
          landmark.landmarks(x);
        }));
    const double step = ms(reps, [&] {
      torch::Tensor f = g->forward(x);
      auto loss = variation_loss(f) + (ds->forward(surface(f)) - 1).pow(2).mean() +
                  (dt->forward(color_shift(f, shift)) - 1).pow(2).mean() +
                  content.distance(content.features(f), content.features(x)) +
                  content.distance(content.features(f), content.features(superpixel_mean(f))) +
                  landmark.distance(f, landmark.landmarks(x));
      g->zero_grad();
      loss.backward();
      auto fdd = f.detach();
      (ds->forward(surface(fdd)).pow(2).mean() + dt->forward(color_shift(fdd, shift)).pow(2).mean()).backward();
    });
    row("full step (G and both D)", step);
    std::printf("| **iterations per second** | %d | **%.2f it/s** |\n", batch, 1000.0 / step);
  }
  return 0;
}

}  // namespace cartoonize::train
