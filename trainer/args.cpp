#include "args.h"

#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "error.h"

namespace cartoonize::train {

Args::Args(std::string command, std::string summary) : command_(std::move(command)), summary_(std::move(summary)) {}

Args& Args::option(const std::string& name, const std::string& def, const std::string& help, bool required) {
  order_.push_back(name);
  specs_[name] = Spec{def, help, false, required};
  return *this;
}

Args& Args::flag(const std::string& name, const std::string& help) {
  order_.push_back(name);
  specs_[name] = Spec{"", help, true, false};
  return *this;
}

bool Args::parse(const std::vector<std::string>& argv) {
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a == "--help" || a == "-h") {
      std::fputs(help().c_str(), stdout);
      return false;
    }
    if (a.rfind("--", 0) != 0) throw Error(command_ + ": unexpected argument '" + a + "' (see --help)");
    std::string name = a.substr(2), value;
    auto eq = name.find('=');
    if (eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    auto it = specs_.find(name);
    if (it == specs_.end()) throw Error(command_ + ": unknown option --" + name + " (see --help)");
    if (it->second.is_flag) {
      values_[name] = "1";
      continue;
    }
    if (eq == std::string::npos) {
      if (i + 1 >= argv.size()) throw Error(command_ + ": --" + name + " needs a value");
      value = argv[++i];
    }
    // Repeating an option collects its values (see list()); str() sees the last.
    auto& slot = values_[name];
    slot = slot.empty() ? value : slot + '\n' + value;
  }
  for (const auto& [name, spec] : specs_)
    if (spec.required && !given(name)) throw Error(command_ + ": --" + name + " is required (see --help)");
  return true;
}

std::vector<std::string> Args::list(const std::string& name) const {
  std::vector<std::string> out;
  std::string all = values_.count(name) ? values_.at(name) : str(name);
  for (char& c : all)
    if (c == ',') c = '\n';
  std::stringstream ss(all);
  std::string item;
  while (std::getline(ss, item))
    if (!item.empty()) out.push_back(item);
  return out;
}

std::string Args::str(const std::string& name) const {
  auto v = values_.find(name);
  if (v != values_.end()) return v->second.substr(v->second.rfind('\n') + 1);
  auto s = specs_.find(name);
  if (s == specs_.end()) throw Error("internal: undeclared option " + name);
  return s->second.def;
}

int Args::integer(const std::string& name) const {
  const std::string s = str(name);
  char* end = nullptr;
  long v = std::strtol(s.c_str(), &end, 10);
  if (s.empty() || *end) throw Error(command_ + ": --" + name + " wants an integer, got '" + s + "'");
  return int(v);
}

double Args::number(const std::string& name) const {
  const std::string s = str(name);
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (s.empty() || *end) throw Error(command_ + ": --" + name + " wants a number, got '" + s + "'");
  return v;
}

bool Args::on(const std::string& name) const { return values_.count(name) && values_.at(name) == "1"; }
bool Args::given(const std::string& name) const { return values_.count(name) > 0; }

std::string Args::help() const {
  std::ostringstream out;
  out << "usage: cartoonize-train " << command_ << " [options]\n\n" << summary_ << "\n\noptions:\n";
  for (const auto& name : order_) {
    const Spec& s = specs_.at(name);
    std::string left = "  --" + name + (s.is_flag ? "" : " VALUE");
    out << left << std::string(left.size() < 28 ? 28 - left.size() : 1, ' ') << s.help;
    if (s.required) out << " (required)";
    else if (!s.is_flag && !s.def.empty()) out << " [" << s.def << "]";
    out << "\n";
  }
  return out.str();
}

}  // namespace cartoonize::train
