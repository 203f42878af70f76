// See mini_json.h. Recursive descent over the RFC 8259 grammar; numbers go
// through std::from_chars so a locale with a decimal comma cannot misread them.
#include "mini_json.h"

#include <charconv>
#include <string_view>

#include "error.h"

namespace cartoonize::faceapi::json {

namespace {

// Manifests nest three levels; the cap only stops stack exhaustion on hostile input.
constexpr int kMaxDepth = 64;

class Parser {
 public:
  Parser(const std::string& text, const std::string& origin) : s_(text), origin_(origin) {}

  Value document() {
    Value v = value(0);
    skip_ws();
    if (pos_ != s_.size()) fail("unexpected text after the document");
    return v;
  }

 private:
  [[noreturn]] void fail(const std::string& msg) const {
    int line = 1;
    for (size_t i = 0; i < pos_ && i < s_.size(); ++i) line += s_[i] == '\n';
    throw Error(origin_ + ": JSON error at line " + std::to_string(line) + ": " + msg);
  }

  void skip_ws() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r'))
      ++pos_;
  }

  char peek() {
    skip_ws();
    if (pos_ >= s_.size()) fail("unexpected end of file");
    return s_[pos_];
  }

  void expect(char c) {
    if (peek() != c) fail(std::string("expected '") + c + "'");
    ++pos_;
  }

  bool literal(std::string_view word) {
    if (s_.compare(pos_, word.size(), word) != 0) return false;
    pos_ += word.size();
    return true;
  }

  Value value(int depth) {
    if (depth > kMaxDepth) fail("nesting too deep");
    const char c = peek();
    Value out;
    if (c == '{') {
      out.v = object(depth);
    } else if (c == '[') {
      out.v = array(depth);
    } else if (c == '"') {
      out.v = string();
    } else if (literal("true")) {
      out.v = true;
    } else if (literal("false")) {
      out.v = false;
    } else if (literal("null")) {
      out.v = nullptr;
    } else {
      out.v = number();
    }
    return out;
  }

  std::shared_ptr<Object> object(int depth) {
    auto o = std::make_shared<Object>();
    expect('{');
    if (peek() == '}') { ++pos_; return o; }
    for (;;) {
      if (peek() != '"') fail("expected a member name");
      std::string key = string();
      expect(':');
      (*o)[key] = value(depth + 1);
      if (peek() == ',') { ++pos_; continue; }
      expect('}');
      return o;
    }
  }

  std::shared_ptr<Array> array(int depth) {
    auto a = std::make_shared<Array>();
    expect('[');
    if (peek() == ']') { ++pos_; return a; }
    for (;;) {
      a->push_back(value(depth + 1));
      if (peek() == ',') { ++pos_; continue; }
      expect(']');
      return a;
    }
  }

  // Manifest strings are ASCII tensor names and paths; \uXXXX is decoded to
  // UTF-8 anyway (surrogate pairs included) so valid JSON never fails here.
  std::string string() {
    expect('"');
    std::string out;
    for (;;) {
      if (pos_ >= s_.size()) fail("unterminated string");
      const char c = s_[pos_++];
      if (c == '"') return out;
      if (static_cast<unsigned char>(c) < 0x20) fail("control character in string");
      if (c != '\\') { out += c; continue; }
      if (pos_ >= s_.size()) fail("unterminated escape");
      const char e = s_[pos_++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': append_utf8(out, code_point()); break;
        default: fail(std::string("bad escape \\") + e);
      }
    }
  }

  unsigned hex4() {
    if (pos_ + 4 > s_.size()) fail("short \\u escape");
    unsigned v = 0;
    const auto r = std::from_chars(s_.data() + pos_, s_.data() + pos_ + 4, v, 16);
    if (r.ec != std::errc() || r.ptr != s_.data() + pos_ + 4) fail("bad \\u escape");
    pos_ += 4;
    return v;
  }

  unsigned code_point() {
    unsigned cp = hex4();
    if (cp >= 0xD800 && cp < 0xDC00) {
      if (!literal("\\u")) fail("lone surrogate in \\u escape");
      const unsigned lo = hex4();
      if (lo < 0xDC00 || lo > 0xDFFF) fail("bad surrogate pair");
      cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
    }
    return cp;
  }

  static void append_utf8(std::string& out, unsigned cp) {
    if (cp < 0x80) {
      out += char(cp);
    } else if (cp < 0x800) {
      out += char(0xC0 | (cp >> 6));
      out += char(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += char(0xE0 | (cp >> 12));
      out += char(0x80 | ((cp >> 6) & 0x3F));
      out += char(0x80 | (cp & 0x3F));
    } else {
      out += char(0xF0 | (cp >> 18));
      out += char(0x80 | ((cp >> 12) & 0x3F));
      out += char(0x80 | ((cp >> 6) & 0x3F));
      out += char(0x80 | (cp & 0x3F));
    }
  }

  double number() {
    // from_chars accepts no leading '+' and no "inf"/"nan", matching JSON.
    const char* begin = s_.data() + pos_;
    double v = 0;
    const auto r = std::from_chars(begin, s_.data() + s_.size(), v);
    if (r.ec != std::errc() || r.ptr == begin) fail("expected a value");
    pos_ += size_t(r.ptr - begin);
    return v;
  }

  const std::string& s_;
  const std::string& origin_;
  size_t pos_ = 0;
};

[[noreturn]] void type_error(const std::string& what, const char* expected) {
  throw Error(what + " should be " + expected);
}

}  // namespace

double Value::number(const std::string& what) const {
  if (!is_number()) type_error(what, "a number");
  return std::get<double>(v);
}

const std::string& Value::string(const std::string& what) const {
  if (!is_string()) type_error(what, "a string");
  return std::get<std::string>(v);
}

const Array& Value::array(const std::string& what) const {
  if (!is_array()) type_error(what, "an array");
  return *std::get<std::shared_ptr<Array>>(v);
}

const Object& Value::object(const std::string& what) const {
  if (!is_object()) type_error(what, "an object");
  return *std::get<std::shared_ptr<Object>>(v);
}

Value parse(const std::string& text, const std::string& origin) {
  return Parser(text, origin).document();
}

const Value* find(const Object& o, const std::string& key) {
  const auto it = o.find(key);
  return it == o.end() ? nullptr : &it->second;
}

}  // namespace cartoonize::faceapi::json
