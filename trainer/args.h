// A small command-line parser for the trainer's subcommands: `--name value`
// options and `--flag` switches, each declared with a help line, so every
// subcommand gets a generated --help and unknown options are errors.
#pragma once
#include <cstdint>
#include <functional>
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
  // Bounds the option declared last: parse() refuses (Error naming the option
  // and the range) a value, or any item of a list, that is not an integer in
  // lo..hi, or not a finite number in lo..hi (above lo when `above_lo`; hi may
  // be infinity: no upper bound);
  // --help shows the range. Defaults are checked too; "" (unset) is not.
  Args& range(long long lo, long long hi);
  Args& real_range(double lo, double hi, bool above_lo = false);
  // Binds the option declared last to a typed setting: parse() stores its
  // value (or default) there once, as str(), list(), integer(), number() or
  // on() (for a flag) read it; `given` (optional) learns whether it was given.
  Args& into(std::string& v, bool* given = nullptr);
  Args& into(std::vector<std::string>& v, bool* given = nullptr);
  Args& into(std::vector<int>& v, bool* given = nullptr);
  Args& into(int& v, bool* given = nullptr);
  Args& into(int64_t& v, bool* given = nullptr);
  Args& into(double& v, bool* given = nullptr);
  Args& into(bool& v, bool* given = nullptr);
  // Parses argv; returns false after printing help (--help) . Throws Error on bad input.
  bool parse(const std::vector<std::string>& argv);

  std::string str(const std::string& name) const;
  // Every value of an option that may be given several times (or as a,b,c).
  std::vector<std::string> list(const std::string& name) const;
  int integer(const std::string& name) const;  // Error unless an integer that fits an int
  double number(const std::string& name) const;  // Error unless a finite number
  bool on(const std::string& name) const;
  bool given(const std::string& name) const;
  std::string help() const;

 private:
  enum class Bound { None, Integer, Real };
  struct Spec {
    std::string def, help;
    bool is_flag = false, required = false;
    Bound bound = Bound::None;
    double lo = 0, hi = 0;
    bool above_lo = false;
    std::function<void(const std::string& name)> store;  // into()
  };
  Args& bind(std::function<void(const std::string& name)> store, bool* given);
  void check_range(const std::string& name, const Spec& spec, const std::string& value) const;
  std::string range_text(const Spec& spec) const;
  std::string command_, summary_;
  std::vector<std::string> order_;
  std::map<std::string, Spec> specs_;
  std::map<std::string, std::string> values_;
};

// --threads (LibTorch's CPU threads), as every command that computes declares it.
Args& declare_threads(Args& a, const std::string& help = "CPU threads for LibTorch");

}  // namespace cartoonize::train
