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
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <random>

#include "commands.h"
#include "discriminator.h"
#include "error.h"
#include "generator.h"
#include "grid.h"
#include "losses.h"
#include "model_file.h"
#include "representations.h"
#include "stage.h"

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

// The weight of each generator loss term.
struct LossWeights {
  double variance = 0, surface = 0, texture = 0, content = 0, structure = 0, landmark = 0, color = 0;
};

// The seed weights --w0..--w4 (the research workflow's names) and the named
// weights that override them, as the research command lines give them.
struct SeedWeight {
  const char *name, *def, *help;
};
constexpr SeedWeight kSeedWeights[] = {{"w0", "1e5", "seed weight: variance"},
                                       {"w1", "2e-1", "seed weight: surface"},
                                       {"w2", "5", "seed weight: texture"},
                                       {"w3", "2e1", "seed weight: content and structure"},
                                       {"w4", "6e-1", "seed weight: landmark"}};
struct NamedWeight {
  const char *name, *seed, *help;
  double LossWeights::*field;
};
constexpr NamedWeight kNamedWeights[] = {{"w-variance", "w0", "overrides --w0", &LossWeights::variance},
                                         {"w-surface", "w1", "overrides --w1", &LossWeights::surface},
                                         {"w-texture", "w2", "overrides --w2", &LossWeights::texture},
                                         {"w-content", "w3", "overrides --w3 for content", &LossWeights::content},
                                         {"w-structure", "w3", "overrides --w3 for structure", &LossWeights::structure},
                                         {"w-landmark", "w4", "overrides --w4", &LossWeights::landmark}};

// train's own options (the shared ones are StageSettings), parsed once.
struct GanSettings {
  std::vector<std::string> cartoons;
  int size = 128, model_version = 1, snapshot_every = 600, keep_last = 3, sample_every = 200;
  std::vector<int> keep;  // snapshot versions never deleted
  LossWeights w;
  int surface_radius = 5, superpixel_size = 12;
  double surface_eps = 0.2;
  std::string vgg19_weights, init_model;
  bool no_pretrain = false;

  // Declares train's options, the shared ones into `shared`.
  void declare(Args& a, StageSettings& shared);
  // After a.parse(): each weight, its named option's value if given, else its seed weight's.
  void read_weights(const Args& a);
};

void GanSettings::declare(Args& a, StageSettings& shared) {
  shared.declare(a, "train");
  a.option("cartoons", "", "instead of DATA/cartoon: the style's images, packs or folders, comma-separated")
      .into(cartoons);
  a.option("model-version", "1", "version number of the first snapshot this run writes")
      .range(1, 1000000).into(model_version);
  a.option("snapshot-every", "600", "iterations between numbered snapshots train-vN.ckpt")
      .range(1, 1000000000).into(snapshot_every);
  a.option("keep-last", "3", "numbered snapshots to keep (older ones are deleted)").range(1, 1000000).into(keep_last);
  a.option("keep", "", "snapshot versions never deleted (comma-separated)").range(1, 1000000).into(keep);
  for (const auto& seed : kSeedWeights) a.option(seed.name, seed.def, seed.help).real_range(0, 1e9);
  for (const auto& named : kNamedWeights) a.option(named.name, "", named.help).real_range(0, 1e9);
  a.option("w-color", "0", "YUV colour distance to the photo (against colour casts; 0: off)")
      .real_range(0, 1e9).into(w.color);
  a.option("size", "128", "training resolution").range(16, 1024).into(size);
  a.option("surface-radius", "5", "guided filter radius").range(1, 64).into(surface_radius);
  a.option("surface-eps", "0.2", "guided filter eps").real_range(0, 100, true).into(surface_eps);
  a.option("superpixel-size", "12", "SLIC region size (px)").range(2, 256).into(superpixel_size);
  a.option("vgg19-weights", "", "TorchScript VGG19 conv4_4 feature extractor to use as content net")
      .into(vgg19_weights);
  a.option("sample-every", "200", "iterations between sample grids").range(1, 1000000000).into(sample_every);
  a.option("init-model", "", "start the generator from this model file (.ctzm, e.g. a shipped style) "
           "instead of the run's pretrain.ckpt").into(init_model);
  a.flag("no-pretrain", "start from a random generator when the run has no pretrain.ckpt").into(no_pretrain);
}

void GanSettings::read_weights(const Args& a) {
  for (const auto& named : kNamedWeights) w.*named.field = a.number(a.given(named.name) ? named.name : named.seed);
}

// The GAN stage. Setup is the constructor, in this order: the generator,
// both discriminators and their optimisers; the state they continue from
// (train.ckpt with --resume, else --init-model, else pretrain.ckpt); the
// content and landmark nets; the device; the photo and cartoon batches.
// Then step() is one iteration and after_step() writes grids and snapshots.
class GanTraining {
 public:
  GanTraining(GanSettings settings, const Stage& stage);
  std::vector<double> step();
  void after_step(int64_t iteration);
  bool run();

 private:
  CheckpointState initialise();
  TrainDevice record_and_place();
  CheckpointParts parts() {
    return {g_, {{"d_surface", d_surface_.get()}, {"d_texture", d_texture_.get()}},
            {{"g", &opt_g_}, {"d_surface", &opt_ds_}, {"d_texture", &opt_dt_}}};
  }

  const GanSettings s_;
  const Stage& stage_;
  const RunDir& run_;
  Generator g_;
  PatchDiscriminator d_surface_, d_texture_;
  torch::optim::Adam opt_g_, opt_ds_, opt_dt_;
  CheckpointState state_;
  ContentNet content_;
  LandmarkLoss landmark_;
  const TrainDevice dev_;
  BatchLoader photos_, cartoons_;
  torch::Tensor x_, fake_d_;  // the last step's batch and output, for sample grids
};

GanTraining::GanTraining(GanSettings settings, const Stage& stage)
    : s_(std::move(settings)),
      stage_(stage),
      run_(stage.run()),
      g_(),
      d_surface_(3),
      d_texture_(1),
      opt_g_(stage.adam(g_->parameters())),
      opt_ds_(stage.adam(d_surface_->parameters())),
      opt_dt_(stage.adam(d_texture_->parameters())),
      state_(initialise()),
      content_(stage.settings().face_api, s_.vgg19_weights),
      landmark_(stage.settings().face_api),
      dev_(record_and_place()),
      photos_(stage.photo_loader(s_.size, uint64_t(state_.iteration))),
      cartoons_(stage.loader(s_.cartoons, "cartoons", s_.size, uint64_t(stage.settings().seed) * 7 + 1,
                             uint64_t(state_.iteration))) {
  const LossWeights& w = s_.w;
  std::printf("train: photos %s; cartoons %s; batch %d at %d px on %s, seed %d; content net: %s\n"
              "weights: variance %g surface %g texture %g content %g structure %g landmark %g colour %g\n",
              photos_.describe().c_str(), cartoons_.describe().c_str(), stage.settings().batch, s_.size,
              dev_.describe().c_str(), stage.settings().seed, content_.name().c_str(), w.variance, w.surface,
              w.texture, w.content, w.structure, w.landmark, w.color);
}

CheckpointState GanTraining::initialise() {
  const std::string pretrain = run_.checkpoint("pretrain");
  if (stage_.resuming()) {
    g_ = Generator(checkpoint_generator_config(stage_.checkpoint()));
    opt_g_ = stage_.adam(g_->parameters());
    return stage_.resume(parts());
  }
  if (!s_.init_model.empty()) {
    // A shipped style is its own resume point: its fp16 weights, widened to
    // fp32, with fresh discriminators and optimisers.
    NativeModel m = load_model_file(s_.init_model);
    g_ = m.generator;
    opt_g_ = stage_.adam(g_->parameters());
    std::printf("generator initialised from %s (%s)\n", s_.init_model.c_str(),
                m.info.style.empty() ? "no style name" : ("style " + m.info.style).c_str());
  } else if (std::filesystem::exists(pretrain)) {
    g_ = Generator(checkpoint_generator_config(pretrain));
    opt_g_ = stage_.adam(g_->parameters());
    const auto pre = load_checkpoint(pretrain, {g_, {}, {}});
    std::printf("generator initialised from %s (%lld pretrain iterations)\n", pretrain.c_str(),
                (long long)pre.iteration);
  } else if (!s_.no_pretrain) {
    throw Error("no " + pretrain + ": run `pretrain` first (or pass --no-pretrain)");
  }
  return {};
}

// The effective configuration goes into the run's record (and so into the
// exported model's provenance), defaults included; then the models and
// optimisers move to the device.
TrainDevice GanTraining::record_and_place() {
  auto num = [](double v) {
    char b[32];
    std::snprintf(b, sizeof b, "%g", v);
    return std::string(b);
  };
  std::vector<std::string> config;
  for (const auto& w : kNamedWeights) config.push_back(std::string(w.name) + "=" + num(s_.w.*w.field));
  config.insert(config.end(), {"w-color=" + num(s_.w.color), "data=" + stage_.settings().data,
                               "content-net=" + content_.name(), "seed=" + std::to_string(stage_.settings().seed)});
  run_.record_command("train-config", config);
  const TrainDevice dev = stage_.device();
  for (torch::nn::Module* m : std::initializer_list<torch::nn::Module*>{g_.get(), d_surface_.get(), d_texture_.get()}) {
    place_module(*m, dev);
    m->train();
  }
  for (auto* opt : {&opt_g_, &opt_ds_, &opt_dt_}) place_adam(*opt, dev);
  content_.to(dev.device);
  landmark_.to(dev.device);
  return dev;
}

std::vector<double> GanTraining::step() {
  const LossWeights& w = s_.w;
  const int r = s_.surface_radius;
  const double eps = s_.surface_eps;
  const torch::Tensor x = place_batch(photos_.next(), dev_);
  const torch::Tensor c = place_batch(cartoons_.next(), dev_);
  x_ = x;
  // Per-iteration randomness depends on (seed, iteration) only: resumable.
  std::mt19937_64 rng(uint64_t(stage_.settings().seed) * 1000003ull + uint64_t(state_.iteration));
  const torch::Tensor shift = random_shift_weights(rng);

  // Generator step.
  torch::Tensor fake, adv_s, adv_t, l_content, l_struct, l_var, l_lm, l_color, g_loss;
  {
    AutocastScope autocast(dev_);
    fake = g_->forward(x);
    adv_s = lsgan_real(d_surface_->forward(surface(fake, r, eps)));
    adv_t = lsgan_real(d_texture_->forward(color_shift(fake, shift)));
    std::vector<torch::Tensor> f_fake = content_.features(fake), f_x, f_sp;
    torch::Tensor target_points;
    {
      torch::NoGradGuard ng;
      f_x = content_.features(x);
      f_sp = content_.features(superpixel_mean(fake, s_.superpixel_size));
      target_points = landmark_.landmarks(x);
    }
    l_content = per_feature_element(content_.distance(f_fake, f_x), f_x);
    l_struct = per_feature_element(content_.distance(f_fake, f_sp), f_sp);
    l_var = variation_loss(fake) / double(fake[0].numel());
    l_lm = landmark_.distance(fake, target_points);
    l_color = yuv_color_loss(fake, x);
    g_loss = w.variance * l_var + w.surface * adv_s + w.texture * adv_t + w.content * l_content +
             w.structure * l_struct + w.landmark * l_lm + w.color * l_color;
  }
  opt_g_.zero_grad();
  g_loss.backward();
  opt_g_.step();

  // Discriminator steps on the detached output.
  fake_d_ = fake.detach();
  torch::Tensor d_s, d_t;
  {
    AutocastScope autocast(dev_);
    d_s = lsgan_real(d_surface_->forward(surface(c, r, eps))) + lsgan_fake(d_surface_->forward(surface(fake_d_, r, eps)));
  }
  opt_ds_.zero_grad();
  d_s.backward();
  opt_ds_.step();
  {
    AutocastScope autocast(dev_);
    d_t = lsgan_real(d_texture_->forward(color_shift(c, shift))) +
          lsgan_fake(d_texture_->forward(color_shift(fake_d_, shift)));
  }
  opt_dt_.zero_grad();
  d_t.backward();
  opt_dt_.step();
  return {g_loss.item<double>(), l_var.item<double>(),  adv_s.item<double>(),
          adv_t.item<double>(),  l_content.item<double>(), l_struct.item<double>(),
          l_lm.item<double>(),   l_color.item<double>(), d_s.item<double>(),  d_t.item<double>()};
}

void GanTraining::after_step(int64_t iteration) {
  if (iteration % s_.sample_every == 0)
    write_grid(run_.path + "/samples.png", {x_, fake_d_, surface(fake_d_, s_.surface_radius, s_.surface_eps)});
  if (iteration % s_.snapshot_every == 0) {
    const int version = s_.model_version + int(iteration / s_.snapshot_every) - 1;
    save_checkpoint(snapshot_path(run_, version), {g_, {}, {}}, state_);
    const int old = version - s_.keep_last;
    if (old >= 1 && std::find(s_.keep.begin(), s_.keep.end(), old) == s_.keep.end())
      fs::remove(snapshot_path(run_, old));
  }
}

bool GanTraining::run() {
  LoopSettings loop = stage_.settings().loop;
  loop.plot_every = s_.sample_every;
  loop.progress_every = 20;
  loop.columns = {"g_total", "variance", "surface", "texture", "content", "structure", "landmark", "colour",
                  "d_surface", "d_texture"};
  loop.shown = {"g_total", "content", "landmark", "d_surface", "d_texture"};
  return stage_.train(loop, state_, parts(), [this] { return step(); },
                      [this](int64_t iteration) { after_step(iteration); }, {&photos_, &cartoons_});
}

}  // namespace

int cmd_train(const std::vector<std::string>& argv) {
  Args a("train", "GAN training of the cartoon generator (see docs/trainer.md for the loss terms).");
  StageSettings shared;
  GanSettings gan;
  gan.declare(a, shared);
  if (!a.parse(argv)) return 0;
  gan.read_weights(a);
  const Stage stage(shared, argv);
  GanTraining(std::move(gan), stage).run();
  return 0;
}

}  // namespace cartoonize::train
