#include "args.h"

#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "error.h"

namespace cartoonize::train {

namespace {

// The whole of `s` as a base-10 integer that fits a long long.
bool parse_integer(const std::string& s, long long& v) {
  if (s.empty()) return false;
  char* end = nullptr;
  errno = 0;
  v = std::strtoll(s.c_str(), &end, 10);
  return !*end && errno != ERANGE;
}

// The whole of `s` as a finite number (no nan, inf or overflow).
bool parse_real(const std::string& s, double& v) {
  if (s.empty()) return false;
  char* end = nullptr;
  errno = 0;
  v = std::strtod(s.c_str(), &end);
  return !*end && errno != ERANGE && std::isfinite(v);
}

std::string shown(double v) {
  std::ostringstream out;
  out << v;
  return out.str();
}

}  // namespace

Args::Args(std::string command, std::string summary) : command_(std::move(command)), summary_(std::move(summary)) {}

Args& Args::option(const std::string& name, const std::string& def, const std::string& help, bool required) {
  order_.push_back(name);
  Spec spec;
  spec.def = def;
  spec.help = help;
  spec.required = required;
  specs_[name] = std::move(spec);
  return *this;
}

Args& Args::flag(const std::string& name, const std::string& help) {
  order_.push_back(name);
  Spec spec;
  spec.help = help;
  spec.is_flag = true;
  specs_[name] = std::move(spec);
  return *this;
}

Args& Args::range(long long lo, long long hi) {
  Spec& s = specs_.at(order_.back());
  s.bound = Bound::Integer;
  s.lo = double(lo);
  s.hi = double(hi);
  return *this;
}

Args& Args::real_range(double lo, double hi, bool above_lo) {
  Spec& s = specs_.at(order_.back());
  s.bound = Bound::Real;
  s.lo = lo;
  s.hi = hi;
  s.above_lo = above_lo;
  return *this;
}

Args& Args::bind(std::function<void(const std::string&)> store, bool* given) {
  specs_.at(order_.back()).store = [this, store = std::move(store), given](const std::string& name) {
    store(name);
    if (given) *given = this->given(name);
  };
  return *this;
}

Args& Args::into(std::string& v, bool* given) {
  return bind([this, &v](const std::string& n) { v = str(n); }, given);
}
Args& Args::into(std::vector<std::string>& v, bool* given) {
  return bind([this, &v](const std::string& n) { v = list(n); }, given);
}
Args& Args::into(std::vector<int>& v, bool* given) {
  return bind([this, &v](const std::string& n) {
    v.clear();
    for (const auto& item : list(n)) {
      long long i = 0;
      if (!parse_integer(item, i) || i < INT_MIN || i > INT_MAX)
        throw Error(command_ + ": --" + n + " wants integers, got '" + item + "'");
      v.push_back(int(i));
    }
  }, given);
}
Args& Args::into(int& v, bool* given) {
  return bind([this, &v](const std::string& n) { v = integer(n); }, given);
}
Args& Args::into(int64_t& v, bool* given) {
  return bind([this, &v](const std::string& n) { v = integer(n); }, given);
}
Args& Args::into(double& v, bool* given) {
  return bind([this, &v](const std::string& n) { v = number(n); }, given);
}
Args& Args::into(bool& v, bool* given) {
  return bind([this, &v](const std::string& n) { v = on(n); }, given);
}

std::string Args::range_text(const Spec& spec) const {
  if (spec.bound == Bound::Integer) return std::to_string((long long)spec.lo) + ".." + std::to_string((long long)spec.hi);
  if (std::isinf(spec.hi)) return (spec.above_lo ? "above " : "at least ") + shown(spec.lo);
  return (spec.above_lo ? "above " + shown(spec.lo) + ", up to " : shown(spec.lo) + "..") + shown(spec.hi);
}

void Args::check_range(const std::string& name, const Spec& spec, const std::string& value) const {
  bool ok = false;
  if (spec.bound == Bound::Integer) {
    long long v = 0;
    ok = parse_integer(value, v) && double(v) >= spec.lo && double(v) <= spec.hi;
  } else {
    double v = 0;
    ok = parse_real(value, v) && (spec.above_lo ? v > spec.lo : v >= spec.lo) && v <= spec.hi;
  }
  if (!ok)
    throw Error(command_ + ": --" + name + " must be " +
                (spec.bound == Bound::Integer ? "an integer in " : "a number ") + range_text(spec) + ", not '" +
                value + "'");
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
      values_[name].assign(1, '1');
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
  for (const auto& [name, spec] : specs_)
    if (spec.bound != Bound::None)
      for (const auto& value : list(name)) check_range(name, spec, value);
  for (const auto& name : order_)
    if (const Spec& spec = specs_.at(name); spec.store) spec.store(name);
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
  long long v = 0;
  if (!parse_integer(s, v) || v < INT_MIN || v > INT_MAX)
    throw Error(command_ + ": --" + name + " wants an integer, got '" + s + "'");
  return int(v);
}

double Args::number(const std::string& name) const {
  const std::string s = str(name);
  double v = 0;
  if (!parse_real(s, v)) throw Error(command_ + ": --" + name + " wants a finite number, got '" + s + "'");
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
    if (s.bound != Bound::None) out << " (" << range_text(s) << ")";
    if (s.required) out << " (required)";
    else if (!s.is_flag && !s.def.empty()) out << " [" << s.def << "]";
    out << "\n";
  }
  return out.str();
}

Args& declare_threads(Args& a, const std::string& help) { return a.option("threads", "2", help).range(1, 1024); }

}  // namespace cartoonize::train
