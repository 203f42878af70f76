// `pretrain`: the generator learns to reconstruct photos (L1 + content
// features) before GAN training, as the research workflow does, so the GAN
// starts from a network that already keeps the input's content.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "args.h"
#include "checkpoint.h"
#include "commands.h"
#include "error.h"
#include "generator.h"
#include "image_folder.h"
#include "losses.h"
#include "plot.h"
#include "progress.h"
#include "run_dir.h"
#include "slice.h"

namespace cartoonize::train {

int cmd_pretrain(const std::vector<std::string>& argv) {
  Args a("pretrain", "Reconstruction pre-training of the generator: L1 + w-content * content-feature L1 of G(x) vs x.");
  a.option("data", "", "prepared data folder (its photo/ subfolder) or any folder of photos", true)
      .option("run", "runs/default", "run folder for checkpoints and loss CSVs")
      .option("total-iter", "50000", "iterations to reach (counted over resumed slices)")
      .option("batch", "8", "images per step")
      .option("size", "128", "training resolution (square)")
      .option("width", "32", "generator width (channels of the first conv)")
      .option("res-blocks", "4", "generator residual blocks")
      .option("lr", "2e-4", "Adam learning rate")
      .option("threads", "2", "CPU threads for LibTorch")
      .option("time-budget", "0", "minutes to train in this slice, then checkpoint and exit 0 (0: no limit)")
      .option("save-every", "200", "iterations between checkpoints")
      .option("seed", "42", "random seed (logged)")
      .option("w-content", "1", "weight of the content term (0: L1 only, no content network needed)")
      .option("face-api", default_face_api_dir(), "folder of the face-api weights (content network)")
      .option("vgg19-weights", "", "TorchScript VGG19 conv4_4 feature extractor to use as content net")
      .flag("resume", "continue from the run's checkpoint");
  if (!a.parse(argv)) return 0;
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
    std::printf("resumed %s at iteration %lld (%.1f min trained so far)\n", ckpt.c_str(),
                (long long)state.iteration, state.seconds / 60);
  } else if (std::filesystem::exists(ckpt)) {
    throw Error(ckpt + " exists: pass --resume to continue it, or choose another --run");
  }
  g->train();

  const auto files = list_images({photo_folder(a.str("data"))});
  std::printf("pretrain: %zu photos, batch %d at %d px, seed %d, %d threads, run %s\n", files.size(),
              a.integer("batch"), a.integer("size"), a.integer("seed"), a.integer("threads"), run.path.c_str());
  BatchLoader loader(files, a.integer("size"), a.integer("batch"), uint64_t(a.integer("seed")), uint64_t(state.iteration));
  std::ofstream csv(run.losses_csv("pretrain"), std::ios::app);
  if (csv.tellp() == 0) csv << "iteration,total,l1,content,seconds\n";
  const double w_content = a.number("w-content");
  std::unique_ptr<ContentNet> content;
  if (w_content > 0) content = std::make_unique<ContentNet>(a.str("face-api"), a.str("vgg19-weights"));

  Slice slice(a.number("time-budget"));
  const double seconds_before = state.seconds;
  Progress progress("pretrain", state.iteration, total);
  auto save = [&] {
    state.seconds = seconds_before + slice.elapsed();
    save_checkpoint(ckpt, {g, {}, {{"g", &opt}}}, state);
    csv.flush();
  };
  while (state.iteration < total) {
    torch::Tensor x = loader.next();
    torch::Tensor y = g->forward(x);
    torch::Tensor l1 = torch::l1_loss(y, x);
    torch::Tensor l_content = torch::zeros({});
    if (content) {
      std::vector<torch::Tensor> target;
      {
        torch::NoGradGuard ng;
        target = content->features(x);
      }
      l_content = content->distance(content->features(y), target);
    }
    torch::Tensor loss = l1 + w_content * l_content;
    opt.zero_grad();
    loss.backward();
    opt.step();
    ++state.iteration;
    const double l = loss.item<double>();
    if (!std::isfinite(l)) {
      progress.finish();
      throw Error("loss became " + std::to_string(l) + " at iteration " + std::to_string(state.iteration) +
                  "; the last good checkpoint " + ckpt + " is kept");
    }
    csv << state.iteration << ',' << l << ',' << l1.item<double>() << ',' << l_content.item<double>() << ','
        << seconds_before + slice.elapsed() << '\n';
    progress.update(state.iteration, {{"loss", l}, {"l1", l1.item<double>()}});
    if (state.iteration % 200 == 0) {
      csv.flush();
      plot_losses(run.losses_csv("pretrain"), run.path + "/pretrain-losses.png");
    }
    const bool stop = slice.should_stop();
    if (state.iteration % a.integer("save-every") == 0 || stop) save();
    if (stop) {
      progress.finish();
      std::printf("stopped at iteration %lld (%s); resume with --resume\n", (long long)state.iteration,
                  slice.reason());
      return 0;
    }
  }
  save();
  progress.finish();
  std::printf("pretrain done: %lld iterations, %.1f min in all; checkpoint %s\n", (long long)state.iteration,
              state.seconds / 60, ckpt.c_str());
  if (loader.skipped()) std::printf("skipped %lld unreadable images\n", (long long)loader.skipped());
  return 0;
}

}  // namespace cartoonize::train
