// `pretrain`: the generator learns to reconstruct photos (L1 + content
// features) before GAN training, as the research workflow does, so the GAN
// starts from a network that already keeps the input's content. With
// `--target cartoon` the pixel target is instead the photo's own cartoon
// rendering (representations.h): on a CPU budget this gives the GAN a start
// that is already flat-shaded and outlined, while the content term still
// compares features with the photo itself, so identity is kept.
#include <cstdio>
#include <memory>

#include "commands.h"
#include "error.h"
#include "generator.h"
#include "grid.h"
#include "losses.h"
#include "representations.h"
#include "stage.h"

namespace cartoonize::train {

int cmd_pretrain(const std::vector<std::string>& argv) {
  Args a("pretrain", "Reconstruction pre-training of the generator: L1 + w-content * content-feature L1 of G(x) vs x.");
  StageSettings shared;
  shared.declare(a, "pretrain");
  int size = 0, sample_every = 0;
  GeneratorConfig config;
  double w_content = 0;
  std::string target_kind, rendering_text, vgg19;
  a.option("size", "128", "training resolution (square)").range(16, 1024).into(size);
  a.option("width", "32", "generator width (channels of the first conv)").range(1, 512).into(config.width);
  a.option("res-blocks", "4", "generator residual blocks").range(0, 64).into(config.res_blocks);
  a.option("w-content", "1", "weight of the content term (0: L1 only, no content network needed)")
      .real_range(0, 1e9).into(w_content);
  a.option("target", "photo", "pixel target: photo (reconstruction) or cartoon (the photo's cartoon rendering)")
      .into(target_kind);
  a.option("rendering", "", "with --target cartoon: rendering settings, key=value,... (docs/trainer.md) [defaults]")
      .into(rendering_text);
  a.option("sample-every", "200", "iterations between sample grids (input | target | output)")
      .range(1, 1000000000).into(sample_every);
  a.option("vgg19-weights", "", "TorchScript VGG19 conv4_4 feature extractor to use as content net").into(vgg19);
  if (!a.parse(argv)) return 0;
  if (target_kind != "photo" && target_kind != "cartoon")
    throw Error("--target must be photo or cartoon, not '" + target_kind + "'");
  const CartoonRendering rendering = parse_cartoon_rendering(rendering_text);
  const Stage stage(shared, argv);
  const StageSettings& s = stage.settings();

  Generator g(config);
  torch::optim::Adam opt = stage.adam(g->parameters());
  const CheckpointParts parts{g, {}, {{"g", &opt}}};
  CheckpointState state;
  if (stage.resuming()) {
    const GeneratorConfig c = checkpoint_generator_config(stage.checkpoint());
    if (c.width != config.width || c.res_blocks != config.res_blocks)
      throw Error("checkpoint " + stage.checkpoint() + " has width " + std::to_string(c.width) + " / " +
                  std::to_string(c.res_blocks) + " res blocks; pass the same --width/--res-blocks");
    state = stage.resume(parts);
  }
  const TrainDevice dev = stage.device();
  place_module(*g, dev);
  place_adam(opt, dev);
  g->train();

  BatchLoader loader = stage.photo_loader(size, uint64_t(state.iteration));
  std::printf("pretrain: %s, batch %d at %d px on %s, seed %d, %d threads, run %s\n", loader.describe().c_str(),
              s.batch, size, dev.describe().c_str(), s.seed, s.threads, stage.run().path.c_str());
  if (target_kind == "cartoon") std::printf("target: cartoon rendering %s\n", describe(rendering).c_str());
  std::unique_ptr<ContentNet> content;
  if (w_content > 0) content = std::make_unique<ContentNet>(s.face_api, vgg19);
  if (content) content->to(dev.device);

  LoopSettings loop = s.loop;
  loop.columns = {"total", "l1", "content"};
  loop.shown = {"total", "l1"};
  torch::Tensor x, t, y;  // the last step's batch, target and output, for sample grids
  auto step = [&]() -> std::vector<double> {
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
  };
  stage.train(loop, state, parts, step, [&](int64_t iteration) {
    if (iteration % sample_every == 0) write_grid(stage.run().path + "/pretrain-samples.png", {x, t, y.detach()});
  }, {&loader});
  return 0;
}

}  // namespace cartoonize::train
