// `export`: a run's checkpoint -> the element's .ctzm model file, with its
// provenance (commands, iterations, training time) written into it.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>

#include "args.h"
#include "checkpoint.h"
#include "commands.h"
#include "error.h"
#include "model_file.h"
#include "output_filter_option.h"
#include "run_dir.h"

namespace cartoonize::train {
namespace {

std::string json_escape(const std::string& s) {
  std::string r;
  for (char c : s) {
    if (c == '"' || c == '\\') r += '\\', r += c;
    else if (c == '\n') r += "\\n";
    else if (static_cast<unsigned char>(c) < 0x20) r += ' ';
    else r += c;
  }
  return r;
}

// export --from-model: the same weights under a new header.
int rewrite_model(const Args& a, const std::optional<OutputFilter>& output_filter) {
  const std::string from = a.str("from-model");
  NativeModel m = load_model_file(from);
  ModelInfo info = m.info;
  if (!a.str("style").empty()) info.style = a.str("style");
  if (output_filter) info.output_filter = *output_filter;
  if (!a.str("note").empty()) {
    // Kept inside the provenance object: {..., "rewrite_note": "..."}.
    const auto close = info.provenance_json.rfind('}');
    if (close != std::string::npos)
      info.provenance_json = info.provenance_json.substr(0, close) +
                             (info.provenance_json.find(':') != std::string::npos ? ", " : "") +
                             "\"rewrite_note\": \"" + json_escape(a.str("note")) + "\"}";
  }
  save_model_file(a.str("out"), m.generator, info, a.on("half") || info.dtype == "f16");
  const OutputFilter& f = info.output_filter;
  std::printf("wrote %s (the weights of %s; output filter: lines %d,%g, color %g, guided %d,%g)\n",
              a.str("out").c_str(), from.c_str(), f.line_radius, f.line_contrast, f.color, f.radius, f.eps);
  return 0;
}

}  // namespace

int cmd_export(const std::vector<std::string>& argv) {
  Args a("export", "Write a run's generator as a model file the cartoonize element loads.");
  a.option("run", "runs/default", "run folder")
      .option("stage", "train", "which checkpoint: pretrain | train | distill")
      .option("model-version", "latest", "with --stage train: snapshot version (train-vN.ckpt) or 'latest'")
      .option("out", "", "model file to write (.ctzm)", true)
      .option("size", "128", "input size the model was trained at").range(16, 1024)
      .option("note", "", "free text stored in the provenance (e.g. data licences)")
      .option("style", "", "style name written into the file (1-32 of a-z 0-9 _ -), e.g. anime; "
              "install it as models/styles/NAME.ctzm for the element's `style` property")
      .option("output-filter", "", "finishing of the face crops the model makes (as eval --output-filter: "
              "lines=R,CONTRAST, color=SHARE, guided=R,EPS, or none); '': none, or with --from-model the file's own")
      .option("from-model", "", "instead of a run's checkpoint: rewrite this model file's header (--style, "
              "--output-filter, --note), keeping its weights, size and provenance")
      .flag("half", "store weights as fp16 (half the size)");
  if (!a.parse(argv)) return 0;
  const std::optional<OutputFilter> output_filter = parse_output_filter(a.str("output-filter"), "--output-filter");
  // Checked before any work, so a typo does not cost a checkpoint load.
  if (!a.str("style").empty() && !valid_style_name(a.str("style")))
    throw Error("--style '" + a.str("style") + "': a style name is 1-32 characters of a-z, 0-9, '_' and '-'");
  if (!a.str("from-model").empty()) return rewrite_model(a, output_filter);
  RunDir run(a.str("run"));
  const std::string ckpt =
      a.str("stage") == "train" ? snapshot_for(run, a.str("model-version")) : run.checkpoint(a.str("stage"));
  if (!std::filesystem::exists(ckpt)) throw Error("no checkpoint " + ckpt + " (run pretrain/train first)");
  Generator g(checkpoint_generator_config(ckpt));
  const CheckpointState state = load_checkpoint(ckpt, {g, {}, {}});
  ModelInfo info;
  info.input_size = a.integer("size");
  info.normalization = Normalization::MinusOneOne;
  info.style = a.str("style");
  info.output_filter = output_filter.value_or(OutputFilter{});
  char stats[256];
  std::snprintf(stats, sizeof stats, "\"iterations\": %lld, \"train_seconds\": %.0f", (long long)state.iteration,
                state.seconds);
  // The last row of the stage's loss CSV: the losses at the end.
  std::string final_losses;
  {
    std::ifstream csv(run.losses_csv(a.str("stage")));
    std::string header, row, last;
    std::getline(csv, header);
    while (std::getline(csv, row))
      if (!row.empty()) last = row;
    if (!last.empty()) final_losses = header + "=" + last;
  }
  info.provenance_json = std::string("{\"project\": \"gst-cartoonize ") + PROJECT_VERSION + "\", \"stage\": \"" +
                         json_escape(a.str("stage")) + "\", \"checkpoint\": \"" + json_escape(ckpt) + "\", " + stats + ", \"commands\": \"" +
                         json_escape(run.commands()) + "\", \"final_losses\": \"" + json_escape(final_losses) + "\", \"note\": \"" + json_escape(a.str("note")) + "\"}";
  save_model_file(a.str("out"), g, info, a.on("half"));
  std::printf("wrote %s (%s, %lld iterations of %s%s%s)\n", a.str("out").c_str(), a.on("half") ? "fp16" : "fp32",
              (long long)state.iteration, a.str("stage").c_str(), info.style.empty() ? "" : ", style ",
              info.style.c_str());
  return 0;
}

}  // namespace cartoonize::train
