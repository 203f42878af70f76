// The trainer's subcommands; each parses its own options (see --help).
#pragma once
#include <string>
#include <vector>

namespace cartoonize::train {

int cmd_prepare(const std::vector<std::string>& args);
int cmd_pack(const std::vector<std::string>& args);
int cmd_pretrain(const std::vector<std::string>& args);
int cmd_train(const std::vector<std::string>& args);
int cmd_test(const std::vector<std::string>& args);
int cmd_distill(const std::vector<std::string>& args);
int cmd_eval(const std::vector<std::string>& args);
int cmd_bench(const std::vector<std::string>& args);
int cmd_export(const std::vector<std::string>& args);

}  // namespace cartoonize::train
