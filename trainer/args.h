// A small command-line parser for the trainer's subcommands: `--name value`
// options and `--flag` switches, each declared with a help line, so every
// subcommand gets a generated --help and unknown options are errors.
#pragma once
#include <map>
#include <string>
#include <vector>

namespace cartoonize::train {

class Args {
 public:
  Args(std::string command, std::string summary);
  // Declares an option with a default ("" = required when `required`).
  Args& option(const std::string& name, const std::string& def, const std::string& help, bool required = false);
  Args& flag(const std::string& name, const std::string& help);
  // Parses argv; returns false after printing help (--help) . Throws Error on bad input.
  bool parse(const std::vector<std::string>& argv);

  std::string str(const std::string& name) const;
  // Every value of an option that may be given several times (or as a,b,c).
  std::vector<std::string> list(const std::string& name) const;
  int integer(const std::string& name) const;
  double number(const std::string& name) const;
  bool on(const std::string& name) const;
  bool given(const std::string& name) const;
  std::string help() const;

 private:
  struct Spec {
    std::string def, help;
    bool is_flag = false, required = false;
  };
  std::string command_, summary_;
  std::vector<std::string> order_;
  std::map<std::string, Spec> specs_;
  std::map<std::string, std::string> values_;
};

}  // namespace cartoonize::train
