// A training run's folder (runs/NAME): where its checkpoints, loss CSVs and
// the record of how it was started live.
#pragma once
#include <string>
#include <vector>

namespace cartoonize::train {

struct RunDir {
  std::string path;
  explicit RunDir(std::string p);            // creates the folder
  std::string checkpoint(const std::string& stage) const { return path + "/" + stage + ".ckpt"; }
  std::string losses_csv(const std::string& stage) const { return path + "/" + stage + "-losses.csv"; }
  // Appends the command line and time to runs/NAME/commands.log (provenance).
  void record_command(const std::string& stage, const std::vector<std::string>& args) const;
  std::string commands() const;              // contents of commands.log
};

// The checkpoint of snapshot `version` (train-vN.ckpt), or train.ckpt for
// "latest"; throws Error naming what is missing.
std::string snapshot_for(const RunDir& run, const std::string& version);

// The default style's model: $CARTOONIZE_DEFAULT_MODEL (the devenv sets it),
// else models/styles/anime.ctzm.
std::string default_model_file();

// Photo folder of a prepared data set (DATA/photo) or DATA itself.
std::string photo_folder(const std::string& data);
// The photos to train on: DATA/photo/train when `prepare` split off a test
// set (the held-out photos must never be trained on), else photo_folder().
std::string training_photo_folder(const std::string& data);
// What a stage trains on: the packs/folders given with --photos or
// --cartoons (`what`), else the prepared folder's (training_photo_folder(data)
// or DATA/cartoon). Throws Error when neither is given.
std::vector<std::string> training_sources(const std::string& data, const std::vector<std::string>& given,
                                          const std::string& what);

}  // namespace cartoonize::train
