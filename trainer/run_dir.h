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

// Photo folder of a prepared data set (DATA/photo) or DATA itself.
std::string photo_folder(const std::string& data);
// The photos to train on: DATA/photo/train when `prepare` split off a test
// set (the held-out photos must never be trained on), else photo_folder().
std::string training_photo_folder(const std::string& data);

}  // namespace cartoonize::train
