// `distill`: a smaller, faster student generator learns to reproduce a
// trained teacher model's output (L1 on the outputs + content features), so
// CPU users get the teacher's look at a fraction of its cost.
#include <cstdio>
#include <memory>

#include "commands.h"
#include "generator.h"
#include "losses.h"
#include "model_file.h"
#include "stage.h"

namespace cartoonize::train {

int cmd_distill(const std::vector<std::string>& argv) {
  Args a("distill", "Train a smaller student generator to reproduce a teacher model's output.");
  StageSettings shared;
  shared.declare(a, "distill");
  std::string teacher_file;
  GeneratorConfig config;
  double w_content = 0;
  a.option("teacher", default_model_file(), "the teacher model file (.ctzm)").into(teacher_file);
  a.option("width", "16", "student width (channels of the first conv; the default model has 32)")
      .range(1, 512).into(config.width);
  a.option("res-blocks", "2", "student residual blocks (the default model has 4)").range(0, 64).into(config.res_blocks);
  a.option("w-content", "1", "weight of the content-feature term against the teacher's output (0: L1 only)")
      .real_range(0, 1e9).into(w_content);
  if (!a.parse(argv)) return 0;
  const Stage stage(shared, argv);

  NativeModel teacher = load_model_file(teacher_file);
  stage.run().record_command("distill-teacher", {teacher_file, teacher.info.provenance_json});
  Generator student(config);
  torch::optim::Adam opt = stage.adam(student->parameters());
  CheckpointState state;
  if (stage.resuming()) {
    student = Generator(checkpoint_generator_config(stage.checkpoint()));
    opt = stage.adam(student->parameters());
    state = stage.resume({student, {}, {{"g", &opt}}});
  }
  const CheckpointParts parts{student, {}, {{"g", &opt}}};
  const TrainDevice dev = stage.device();
  place_module(*teacher.generator, dev);
  place_module(*student, dev);
  place_adam(opt, dev);
  teacher.generator->eval();
  student->train();
  std::unique_ptr<ContentNet> content;
  if (w_content > 0) {
    content = std::make_unique<ContentNet>(stage.settings().face_api, "");
    content->to(dev.device);
  }

  const int size = teacher.info.input_size;
  BatchLoader loader = stage.photo_loader(size, uint64_t(state.iteration));
  auto count = [](Generator& g) {
    int64_t n = 0;
    for (const auto& p : g->parameters()) n += p.numel();
    return n;
  };
  std::printf("distill: teacher %s (%lld parameters) -> student width %d, %d res blocks (%lld parameters); "
              "%zu photos at %d px on %s\n",
              teacher_file.c_str(), (long long)count(teacher.generator), student->config().width,
              student->config().res_blocks, (long long)count(student), loader.count(), size,
              dev.describe().c_str());

  LoopSettings loop = stage.settings().loop;
  loop.columns = {"total", "l1", "content"};
  loop.shown = {"total", "l1"};
  auto step = [&]() -> std::vector<double> {
    const torch::Tensor x = place_batch(loader.next(), dev);
    torch::Tensor loss, l1, l_content = torch::zeros({});
    {
      AutocastScope autocast(dev);
      torch::Tensor target;
      std::vector<torch::Tensor> target_features;
      {
        torch::NoGradGuard ng;
        target = teacher.generator->forward(x);
        if (content) target_features = content->features(target);
      }
      const torch::Tensor y = student->forward(x);
      l1 = torch::l1_loss(y, target);
      if (content) l_content = content->distance(content->features(y), target_features);
      loss = l1 + w_content * l_content;
    }
    opt.zero_grad();
    loss.backward();
    opt.step();
    return {loss.item<double>(), l1.item<double>(), l_content.item<double>()};
  };
  stage.train(loop, state, parts, step, {}, {&loader});
  std::printf("export the student with: cartoonize-train export --run %s --stage distill --out student.ctzm\n",
              stage.run().path.c_str());
  return 0;
}

}  // namespace cartoonize::train
