// `train`: the cartoon GAN. The generator's output is seen as a surface
// (guided filter) by D_surface, as texture (random colour shift to grey) by
// D_texture, as structure (superpixels) and content through a frozen content
// network, and as 68 landmarks compared with the input's. Six weighted terms:
//   variance  (--w0, --w-variance)   mean squared neighbour step / (C*H*W)
//   surface   (--w1, --w-surface)    LSGAN, D_surface on guided-filtered images
//   texture   (--w2, --w-texture)    LSGAN, D_texture on colour-shifted grey images
//   content   (--w3, --w-content)    mean |F(G(x)) - F(x)| / (c*h*w of each feature map)
//   structure (--w3, --w-structure)  mean |F(G(x)) - F(superpixels(G(x)))| / (c*h*w)
//   landmark  (--w4, --w-landmark)   |R(G(x)) - R(x)| in px of a 112 px face
//   colour    (--w-color)            YUV distance of G(x) to x (AnimeGANv2): L1 on Y, Huber on U, V
// The divisions are White-box Cartoonization's: with them the seed weights
// let the adversarial surface and texture terms lead, and content, structure
// and variance only hold the picture together (measured in docs/trainer.md).
// LSGAN (as White-box Cartoonization): D minimises (D(real)-1)^2 + D(fake)^2.
#include <cstdio>
#include <filesystem>
#include <random>

#include "args.h"
#include "checkpoint.h"
#include "commands.h"
#include "discriminator.h"
#include "error.h"
#include "generator.h"
#include "grid.h"
#include "batch_loader.h"
#include "losses.h"
#include "model_file.h"
#include "representations.h"
#include "run_dir.h"
#include "train_device.h"
#include "training_loop.h"

namespace cartoonize::train {
namespace fs = std::filesystem;
namespace {

torch::Tensor lsgan_real(const torch::Tensor& d) { return (d - 1).pow(2).mean(); }
torch::Tensor lsgan_fake(const torch::Tensor& d) { return d.pow(2).mean(); }

// White-box Cartoonization's scale for a feature distance: the mean L1
// divided once more by the size (c*h*w) of one image's feature map (the mean
// over the maps when there are several).
torch::Tensor per_feature_element(const torch::Tensor& distance, const std::vector<torch::Tensor>& maps) {
  double elements = 0;
  for (const auto& m : maps) elements += double(m[0].numel());
  return distance / (elements / double(maps.size()));
}

std::string snapshot_path(const RunDir& run, int version) {
  return run.path + "/train-v" + std::to_string(version) + ".ckpt";
}

}  // namespace

int cmd_train(const std::vector<std::string>& argv) {
  Args a("train", "GAN training of the cartoon generator (see docs/trainer.md for the loss terms).");
  a.option("data", "", "prepared data folder (photo/train and cartoon/ from `prepare`)")
      .option("photos", "", "instead of DATA/photo/train: image packs (.ctzp, from `pack`) or folders, comma-separated")
      .option("cartoons", "", "instead of DATA/cartoon: the style's images, packs or folders, comma-separated")
      .option("run", "runs/default", "run folder (its pretrain.ckpt initialises the generator)")
      .option("total-iter", "30000", "iterations to reach (counted over resumed slices)").range(0, 1000000000)
      .option("model-version", "1", "version number of the first snapshot this run writes").range(1, 1000000)
      .option("snapshot-every", "600", "iterations between numbered snapshots train-vN.ckpt")
      .range(1, 1000000000)
      .option("keep-last", "3", "numbered snapshots to keep (older ones are deleted)").range(1, 1000000)
      .option("keep", "", "snapshot versions never deleted (comma-separated)").range(1, 1000000)
      .option("w0", "1e5", "seed weight: variance").real_range(0, 1e9)
      .option("w1", "2e-1", "seed weight: surface").real_range(0, 1e9)
      .option("w2", "5", "seed weight: texture").real_range(0, 1e9)
      .option("w3", "2e1", "seed weight: content and structure").real_range(0, 1e9)
      .option("w4", "6e-1", "seed weight: landmark").real_range(0, 1e9)
      .option("w-variance", "", "overrides --w0").real_range(0, 1e9)
      .option("w-surface", "", "overrides --w1").real_range(0, 1e9)
      .option("w-texture", "", "overrides --w2").real_range(0, 1e9)
      .option("w-content", "", "overrides --w3 for content").real_range(0, 1e9)
      .option("w-structure", "", "overrides --w3 for structure").real_range(0, 1e9)
      .option("w-landmark", "", "overrides --w4").real_range(0, 1e9)
      .option("w-color", "0", "YUV colour distance to the photo (against colour casts; 0: off)").real_range(0, 1e9)
      .option("batch", "8", "images per step").range(1, 1024)
      .option("size", "128", "training resolution").range(16, 1024)
      .option("lr", "2e-4", "Adam learning rate (G and both D)").real_range(0, INFINITY, true)
      .option("surface-radius", "5", "guided filter radius").range(1, 64)
      .option("surface-eps", "0.2", "guided filter eps").real_range(0, 100, true)
      .option("superpixel-size", "12", "SLIC region size (px)").range(2, 256)
      .option("face-api", default_face_api_dir(), "folder of the face-api weights (content and landmark nets)")
      .option("vgg19-weights", "", "TorchScript VGG19 conv4_4 feature extractor to use as content net")
      .option("threads", "2", "CPU threads for LibTorch").range(1, 1024)
      .option("seed", "42", "random seed (logged)")
      .option("precision", "auto", "auto (bf16 autocast on a GPU that runs it, else fp32), fp32 or bf16")
      .option("channels-last", "auto", "channels_last activations: auto (on CUDA), on or off")
      .option("time-budget", "0", "minutes to train in this slice, then checkpoint and exit 0").real_range(0, 1e7)
      .option("save-every", "100", "iterations between rolling checkpoints").range(1, 1000000000)
      .option("sample-every", "200", "iterations between sample grids").range(1, 1000000000)
      .option("init-model", "", "start the generator from this model file (.ctzm, e.g. a shipped style) "
              "instead of the run's pretrain.ckpt")
      .flag("resume", "continue the run's train.ckpt")
      .flag("no-pretrain", "start from a random generator when the run has no pretrain.ckpt");
  if (!a.parse(argv)) return 0;
  auto weight = [&](const std::string& named, const std::string& seed) {
    return a.given(named) ? a.number(named) : a.number(seed);
  };
  const double w_var = weight("w-variance", "w0"), w_surf = weight("w-surface", "w1"),
               w_tex = weight("w-texture", "w2"), w_content = weight("w-content", "w3"),
               w_struct = weight("w-structure", "w3"), w_lm = weight("w-landmark", "w4"),
               w_color = a.number("w-color");
  torch::set_num_threads(a.integer("threads"));
  torch::manual_seed(uint64_t(a.integer("seed")));

  RunDir run(a.str("run"));
  run.record_command("train", argv);
  const std::string ckpt = run.checkpoint("train");
  Generator g;
  PatchDiscriminator d_surface(3), d_texture(1);
  auto adam = [&](std::vector<torch::Tensor> p) {
    return torch::optim::Adam(p, torch::optim::AdamOptions(a.number("lr")).betas({0.5, 0.99}));
  };
  torch::optim::Adam opt_g = adam(g->parameters()), opt_ds = adam(d_surface->parameters()),
                     opt_dt = adam(d_texture->parameters());
  CheckpointState state;
  if (fs::exists(ckpt)) {
    if (!a.on("resume")) throw Error(ckpt + " exists: pass --resume to continue it, or choose another --run");
    g = Generator(checkpoint_generator_config(ckpt));
    opt_g = adam(g->parameters());
    state = load_checkpoint(ckpt, {g, {{"d_surface", d_surface.get()}, {"d_texture", d_texture.get()}},
                                   {{"g", &opt_g}, {"d_surface", &opt_ds}, {"d_texture", &opt_dt}}});
    if (a.given("lr"))
      for (auto* opt : {&opt_g, &opt_ds, &opt_dt}) set_learning_rate(*opt, a.number("lr"));
    std::printf("resumed %s at iteration %lld\n", ckpt.c_str(), (long long)state.iteration);
  } else if (a.given("init-model")) {
    // A shipped style is its own resume point: its fp16 weights, widened to
    // fp32, with fresh discriminators and optimisers.
    NativeModel m = load_model_file(a.str("init-model"));
    g = m.generator;
    opt_g = adam(g->parameters());
    std::printf("generator initialised from %s (%s)\n", a.str("init-model").c_str(),
                m.info.style.empty() ? "no style name" : ("style " + m.info.style).c_str());
  } else if (fs::exists(run.checkpoint("pretrain"))) {
    g = Generator(checkpoint_generator_config(run.checkpoint("pretrain")));
    opt_g = adam(g->parameters());
    const auto pre = load_checkpoint(run.checkpoint("pretrain"), {g, {}, {}});
    std::printf("generator initialised from %s (%lld pretrain iterations)\n", run.checkpoint("pretrain").c_str(),
                (long long)pre.iteration);
  } else if (!a.on("no-pretrain")) {
    throw Error("no " + run.checkpoint("pretrain") + ": run `pretrain` first (or pass --no-pretrain)");
  }

  ContentNet content(a.str("face-api"), a.str("vgg19-weights"));
  LandmarkLoss landmark(a.str("face-api"));
  // The effective configuration goes into the run's record (and so into the
  // exported model's provenance), defaults included.
  auto num = [](double v) {
    char b[32];
    std::snprintf(b, sizeof b, "%g", v);
    return std::string(b);
  };
  run.record_command("train-config", {"w-variance=" + num(w_var), "w-surface=" + num(w_surf),
                                      "w-texture=" + num(w_tex), "w-content=" + num(w_content),
                                      "w-structure=" + num(w_struct), "w-landmark=" + num(w_lm), "w-color=" + num(w_color),
                                      "data=" + a.str("data"), "content-net=" + content.name(),
                                      "seed=" + a.str("seed")});
  const TrainDevice dev = choose_train_device(a.str("precision"), a.str("channels-last"));
  place_module(*g, dev);
  place_module(*d_surface, dev);
  place_module(*d_texture, dev);
  for (auto* opt : {&opt_g, &opt_ds, &opt_dt}) place_adam(*opt, dev);
  content.to(dev.device);
  landmark.to(dev.device);
  g->train();
  d_surface->train();
  d_texture->train();

  const std::string data = a.str("data");
  const int size = a.integer("size"), batch = a.integer("batch");
  BatchLoader photos(training_images(training_sources(data, a.list("photos"), "photos"), size), batch,
                     uint64_t(a.integer("seed")), uint64_t(state.iteration));
  BatchLoader cartoons(training_images(training_sources(data, a.list("cartoons"), "cartoons"), size), batch,
                       uint64_t(a.integer("seed")) * 7 + 1, uint64_t(state.iteration));
  std::printf("train: photos %s; cartoons %s; batch %d at %d px on %s, seed %d; content net: %s\n"
              "weights: variance %g surface %g texture %g content %g structure %g landmark %g colour %g\n",
              photos.describe().c_str(), cartoons.describe().c_str(), batch, size, dev.describe().c_str(),
              a.integer("seed"), content.name().c_str(), w_var, w_surf, w_tex, w_content, w_struct, w_lm, w_color);

  std::vector<int> keep;
  for (const auto& k : a.list("keep")) keep.push_back(std::stoi(k));
  LoopSettings loop;
  loop.stage = "train";
  loop.total = a.integer("total-iter");
  loop.time_budget_minutes = a.number("time-budget");
  loop.save_every = a.integer("save-every");
  loop.plot_every = a.integer("sample-every");
  loop.progress_every = 20;
  loop.columns = {"g_total", "variance", "surface", "texture", "content", "structure", "landmark", "colour",
                  "d_surface", "d_texture"};
  loop.shown = {"g_total", "content", "landmark", "d_surface", "d_texture"};
  TrainingLoop training(run, loop, state, [&](const CheckpointState& s) {
    save_checkpoint(ckpt, {g, {{"d_surface", d_surface.get()}, {"d_texture", d_texture.get()}},
                           {{"g", &opt_g}, {"d_surface", &opt_ds}, {"d_texture", &opt_dt}}},
                    s);
  });
  const int r = a.integer("surface-radius");
  const double eps = a.number("surface-eps");
  torch::Tensor x, fake_d;  // the last step's batch and output, for sample grids
  auto step = [&]() -> std::vector<double> {
    x = place_batch(photos.next(), dev);
    const torch::Tensor c = place_batch(cartoons.next(), dev);
    // Per-iteration randomness depends on (seed, iteration) only: resumable.
    std::mt19937_64 rng(uint64_t(a.integer("seed")) * 1000003ull + uint64_t(state.iteration));
    const torch::Tensor shift = random_shift_weights(rng);

    // Generator step.
    torch::Tensor fake, adv_s, adv_t, l_content, l_struct, l_var, l_lm, l_color, g_loss;
    {
      AutocastScope autocast(dev);
      fake = g->forward(x);
      adv_s = lsgan_real(d_surface->forward(surface(fake, r, eps)));
      adv_t = lsgan_real(d_texture->forward(color_shift(fake, shift)));
      std::vector<torch::Tensor> f_fake = content.features(fake), f_x, f_sp;
      torch::Tensor target_points;
      {
        torch::NoGradGuard ng;
        f_x = content.features(x);
        f_sp = content.features(superpixel_mean(fake, a.integer("superpixel-size")));
        target_points = landmark.landmarks(x);
      }
      l_content = per_feature_element(content.distance(f_fake, f_x), f_x);
      l_struct = per_feature_element(content.distance(f_fake, f_sp), f_sp);
      l_var = variation_loss(fake) / double(fake[0].numel());
      l_lm = landmark.distance(fake, target_points);
      l_color = yuv_color_loss(fake, x);
      g_loss = w_var * l_var + w_surf * adv_s + w_tex * adv_t + w_content * l_content + w_struct * l_struct +
               w_lm * l_lm + w_color * l_color;
    }
    opt_g.zero_grad();
    g_loss.backward();
    opt_g.step();

    // Discriminator steps on the detached output.
    fake_d = fake.detach();
    torch::Tensor d_s, d_t;
    {
      AutocastScope autocast(dev);
      d_s = lsgan_real(d_surface->forward(surface(c, r, eps))) + lsgan_fake(d_surface->forward(surface(fake_d, r, eps)));
    }
    opt_ds.zero_grad();
    d_s.backward();
    opt_ds.step();
    {
      AutocastScope autocast(dev);
      d_t = lsgan_real(d_texture->forward(color_shift(c, shift))) +
            lsgan_fake(d_texture->forward(color_shift(fake_d, shift)));
    }
    opt_dt.zero_grad();
    d_t.backward();
    opt_dt.step();
    return {g_loss.item<double>(), l_var.item<double>(),  adv_s.item<double>(),
            adv_t.item<double>(),  l_content.item<double>(), l_struct.item<double>(),
            l_lm.item<double>(),   l_color.item<double>(), d_s.item<double>(),  d_t.item<double>()};
  };
  training.run(step, [&](int64_t iteration) {
    if (iteration % a.integer("sample-every") == 0)
      write_grid(run.path + "/samples.png", {x, fake_d, surface(fake_d, r, eps)});
    if (iteration % a.integer("snapshot-every") == 0) {
      const int version = a.integer("model-version") + int(iteration / a.integer("snapshot-every")) - 1;
      save_checkpoint(snapshot_path(run, version), {g, {}, {}}, state);
      const int old = version - a.integer("keep-last");
      if (old >= 1 && std::find(keep.begin(), keep.end(), old) == keep.end()) fs::remove(snapshot_path(run, old));
    }
  });
  return 0;
}

}  // namespace cartoonize::train
