// `pretrain`: the generator learns to reconstruct photos (L1 + content
// features) before GAN training, as the research workflow does, so the GAN
// starts from a network that already keeps the input's content. With
// `--target cartoon` the pixel target is instead the photo's own cartoon
// rendering (representations.h): on a CPU budget this gives the GAN a start
// that is already flat-shaded and outlined, while the content term still
// compares features with the photo itself, so identity is kept.
#include <cstdio>
#include <filesystem>

#include "args.h"
#include "checkpoint.h"
#include "commands.h"
#include "error.h"
#include "generator.h"
#include "batch_loader.h"
#include "grid.h"
#include "losses.h"
#include "representations.h"
#include "run_dir.h"
#include "train_device.h"
#include "training_loop.h"

namespace cartoonize::train {

int cmd_pretrain(const std::vector<std::string>& argv) {
  Args a("pretrain", "Reconstruction pre-training of the generator: L1 + w-content * content-feature L1 of G(x) vs x.");
  a.option("data", "", "prepared data folder (its photo/ subfolder) or any folder of photos")
      .option("photos", "", "instead of --data: image packs (.ctzp, from `pack`) or folders of photos, comma-separated")
      .option("run", "runs/default", "run folder for checkpoints and loss CSVs")
      .option("total-iter", "50000", "iterations to reach (counted over resumed slices)")
      .range(0, 1000000000)
      .option("batch", "8", "images per step").range(1, 1024)
      .option("size", "128", "training resolution (square)").range(16, 1024)
      .option("width", "32", "generator width (channels of the first conv)").range(1, 512)
      .option("res-blocks", "4", "generator residual blocks").range(0, 64)
      .option("lr", "2e-4", "Adam learning rate").real_range(0, INFINITY, true)
      .option("threads", "2", "CPU threads for LibTorch").range(1, 1024)
      .option("time-budget", "0", "minutes to train in this slice, then checkpoint and exit 0 (0: no limit)")
      .real_range(0, 1e7)
      .option("save-every", "200", "iterations between checkpoints").range(1, 1000000000)
      .option("seed", "42", "random seed (logged)")
      .option("precision", "auto", "auto (bf16 autocast on a GPU that runs it, else fp32), fp32 or bf16")
      .option("channels-last", "auto", "channels_last activations: auto (on CUDA), on or off")
      .option("w-content", "1", "weight of the content term (0: L1 only, no content network needed)")
      .real_range(0, 1e9)
      .option("target", "photo", "pixel target: photo (reconstruction) or cartoon (the photo's cartoon rendering)")
      .option("rendering", "", "with --target cartoon: rendering settings, key=value,... (docs/trainer.md) [defaults]")
      .option("sample-every", "200", "iterations between sample grids (input | target | output)")
      .range(1, 1000000000)
      .option("face-api", default_face_api_dir(), "folder of the face-api weights (content network)")
      .option("vgg19-weights", "", "TorchScript VGG19 conv4_4 feature extractor to use as content net")
      .flag("resume", "continue from the run's checkpoint");
  if (!a.parse(argv)) return 0;
  const std::string target_kind = a.str("target");
  if (target_kind != "photo" && target_kind != "cartoon")
    throw Error("--target must be photo or cartoon, not '" + target_kind + "'");
  const CartoonRendering rendering = parse_cartoon_rendering(a.str("rendering"));
  torch::set_num_threads(a.integer("threads"));
  torch::manual_seed(uint64_t(a.integer("seed")));
  RunDir run(a.str("run"));
  run.record_command("pretrain", argv);
  const std::string ckpt = run.checkpoint("pretrain");
  const int64_t total = a.integer("total-iter");

  Generator g(GeneratorConfig{a.integer("width"), a.integer("res-blocks")});
  torch::optim::Adam opt(g->parameters(), torch::optim::AdamOptions(a.number("lr")).betas({0.5, 0.99}));
  CheckpointState state;
  if (a.on("resume") && std::filesystem::exists(ckpt)) {
    const GeneratorConfig c = checkpoint_generator_config(ckpt);
    if (c.width != g->config().width || c.res_blocks != g->config().res_blocks)
      throw Error("checkpoint " + ckpt + " has width " + std::to_string(c.width) + " / " +
                  std::to_string(c.res_blocks) + " res blocks; pass the same --width/--res-blocks");
    state = load_checkpoint(ckpt, {g, {}, {{"g", &opt}}});
    if (a.given("lr")) set_learning_rate(opt, a.number("lr"));
    std::printf("resumed %s at iteration %lld (%.1f min trained so far)\n", ckpt.c_str(),
                (long long)state.iteration, state.seconds / 60);
  } else if (std::filesystem::exists(ckpt)) {
    throw Error(ckpt + " exists: pass --resume to continue it, or choose another --run");
  }
  const TrainDevice dev = choose_train_device(a.str("precision"), a.str("channels-last"));
  place_module(*g, dev);
  place_adam(opt, dev);
  g->train();

  BatchLoader loader(training_images(training_sources(a.str("data"), a.list("photos"), "photos"), a.integer("size")),
                     a.integer("batch"), uint64_t(a.integer("seed")), uint64_t(state.iteration));
  std::printf("pretrain: %s, batch %d at %d px on %s, seed %d, %d threads, run %s\n", loader.describe().c_str(),
              a.integer("batch"), a.integer("size"), dev.describe().c_str(), a.integer("seed"), a.integer("threads"),
              run.path.c_str());
  if (target_kind == "cartoon") std::printf("target: cartoon rendering %s\n", describe(rendering).c_str());
  const double w_content = a.number("w-content");
  std::unique_ptr<ContentNet> content;
  if (w_content > 0) content = std::make_unique<ContentNet>(a.str("face-api"), a.str("vgg19-weights"));
  if (content) content->to(dev.device);

  LoopSettings loop;
  loop.stage = "pretrain";
  loop.total = total;
  loop.time_budget_minutes = a.number("time-budget");
  loop.save_every = a.integer("save-every");
  loop.columns = {"total", "l1", "content"};
  loop.shown = {"total", "l1"};
  TrainingLoop training(run, loop, state,
                        [&](const CheckpointState& s) { save_checkpoint(ckpt, {g, {}, {{"g", &opt}}}, s); });
  torch::Tensor x, t, y;  // the last step's batch, target and output, for sample grids
  training.run([&]() -> std::vector<double> {
    x = place_batch(loader.next(), dev);
    t = target_kind == "cartoon" ? cartoon_rendering(x, rendering) : x;
    torch::Tensor loss, l1, l_content = torch::zeros({});
    {
      AutocastScope autocast(dev);
      y = g->forward(x);
      l1 = torch::l1_loss(y, t);
      if (content) {
        std::vector<torch::Tensor> target;
        {
          torch::NoGradGuard ng;
          target = content->features(x);
        }
        l_content = content->distance(content->features(y), target);
      }
      loss = l1 + w_content * l_content;
    }
    opt.zero_grad();
    loss.backward();
    opt.step();
    return {loss.item<double>(), l1.item<double>(), l_content.item<double>()};
  }, [&](int64_t iteration) {
    if (iteration % a.integer("sample-every") == 0) write_grid(run.path + "/pretrain-samples.png", {x, t, y.detach()});
  });
  if (loader.skipped()) std::printf("skipped %lld unreadable images\n", (long long)loader.skipped());
  return 0;
}

}  // namespace cartoonize::train
