#include "gstcartoonize_styles.h"

#include <gst/gst.h>

#include <algorithm>
#include <filesystem>
#include <vector>

#include "error.h"
#include "model_file.h"

GST_DEBUG_CATEGORY_EXTERN(gst_cartoonize_debug);
#define GST_CAT_DEFAULT gst_cartoonize_debug

namespace cartoonize_element {
namespace {

namespace fs = std::filesystem;

struct Style {
  std::string nick;         // the file stem
  std::string path;         // its model file
  std::string description;  // what gst-inspect-1.0 shows beside the nick
  bool bad_student = false; // fast/NICK.ctzm's header did not read at the scan: treated as absent
};

// What gst-inspect-1.0 may print of a model's own text (provenance fields,
// loader messages that quote the header): valid UTF-8 (an invalid byte
// becomes U+FFFD), no control or format characters (escape sequences,
// bidi overrides; a tab or line break becomes a space), at most `max`
// characters, the rest cut with an ellipsis.
std::string printable(const std::string& text, size_t max) {
  gchar* valid = g_utf8_make_valid(text.c_str(), gssize(text.size()));
  std::string out;
  size_t chars = 0;
  for (const gchar* p = valid; *p; p = g_utf8_next_char(p)) {
    gunichar c = g_utf8_get_char(p);
    if (c == '\t' || c == '\n' || c == '\r') c = ' ';
    else if (!g_unichar_isprint(c)) continue;
    if (chars == max) {
      out += "\u2026";
      break;
    }
    gchar utf8[6];
    out.append(utf8, size_t(g_unichar_to_utf8(c, utf8)));
    ++chars;
  }
  g_free(valid);
  return out;
}

// Provenance fields and messages in a style's description: one field never
// fills the terminal, the whole line stays under kMaxDescription characters.
constexpr size_t kMaxField = 64;
constexpr size_t kMaxDescription = 200;

// The value of "key": in a one-line JSON object, without a JSON parser: a
// string's text or a number's digits ("" when absent).
std::string json_field(const std::string& json, const std::string& key) {
  const std::string quoted = "\"" + key + "\":";
  size_t at = json.find(quoted);
  if (at == std::string::npos) return "";
  at = json.find_first_not_of(' ', at + quoted.size());
  if (at == std::string::npos) return "";
  if (json[at] == '"') {
    const size_t end = json.find('"', at + 1);
    return end == std::string::npos ? "" : json.substr(at + 1, end - at - 1);
  }
  const size_t end = json.find_first_of(",}", at);
  return json.substr(at, end == std::string::npos ? std::string::npos : end - at);
}

// The header's style name and provenance, in a few words.
std::string describe(const cartoonize::ModelInfo& info) {
  std::string d = info.style.empty() ? "no style name in the file" : "style " + info.style;
  const std::string stage = printable(json_field(info.provenance_json, "stage"), kMaxField);
  const std::string iterations = printable(json_field(info.provenance_json, "iterations"), kMaxField);
  if (!stage.empty()) d += ", " + stage + " stage";
  if (!iterations.empty()) d += ", " + iterations + " iterations";
  d += ", " + info.dtype;
  return d;
}

// The style's student, STYLE_DIR/fast/NICK.ctzm: checked like the styles
// (header only). A student whose header does not read is reported and
// left out, so quality=fast|auto runs the style's own model.
bool bad_student(const std::string& dir, const std::string& nick) {
  const fs::path student = fs::path(dir) / "fast" / (nick + ".ctzm");
  std::error_code ec;
  if (!fs::exists(student, ec)) return false;
  try {
    if (!fs::is_regular_file(student, ec)) throw cartoonize::Error("is not a regular file");
    cartoonize::read_model_header(student.string());
    return false;
  } catch (const std::exception& e) {
    GST_WARNING("style folder %s: the student %s is left out (style %s runs its own model): %s", dir.c_str(),
                student.c_str(), nick.c_str(), printable(e.what(), kMaxDescription).c_str());
    return true;
  }
}

// Every NAME.ctzm of the folder whose header reads, sorted by name; the
// default style is always among them (noted when its file is missing).
std::vector<Style> scan(const std::string& dir) {
  std::vector<Style> styles;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const fs::path& p = entry.path();
    if (p.extension() != ".ctzm" || !entry.is_regular_file(ec)) continue;
    const std::string nick = p.stem().string();
    if (!cartoonize::valid_style_name(nick)) {
      GST_WARNING("style folder %s: %s left out (a style file is NAME.ctzm, NAME 1-32 of a-z 0-9 _ -)", dir.c_str(),
                  p.filename().c_str());
      continue;
    }
    try {
      styles.push_back({nick, p.string(), describe(cartoonize::read_model_header(p.string())), bad_student(dir, nick)});
    } catch (const std::exception& e) {
      GST_WARNING("style folder %s: %s left out: %s", dir.c_str(), p.filename().c_str(),
                  printable(e.what(), kMaxDescription).c_str());
    }
  }
  if (ec) GST_WARNING("style folder %s: %s", dir.c_str(), ec.message().c_str());
  std::sort(styles.begin(), styles.end(), [](const Style& a, const Style& b) { return a.nick < b.nick; });
  const std::string def = CARTOONIZE_DEFAULT_STYLE;
  auto it = std::find_if(styles.begin(), styles.end(), [&](const Style& s) { return s.nick == def; });
  if (it == styles.end()) {
    const std::string path = (fs::path(dir) / (def + ".ctzm")).string();
    // $CARTOONIZE_DEFAULT_MODEL stands in for a missing default file (style_model_path).
    const gchar* env = g_getenv("CARTOONIZE_DEFAULT_MODEL");
    std::string description = "not installed (" + path + ")";
    if (env && *env) {
      try {
        description = describe(cartoonize::read_model_header(env)) + ", from $CARTOONIZE_DEFAULT_MODEL";
      } catch (const std::exception& e) {
        description = std::string("$CARTOONIZE_DEFAULT_MODEL: ") + e.what();
      }
    }
    styles.insert(std::lower_bound(styles.begin(), styles.end(), def,
                                   [](const Style& s, const std::string& n) { return s.nick < n; }),
                  Style{def, path, description});
    it = std::find_if(styles.begin(), styles.end(), [&](const Style& s) { return s.nick == def; });
  }
  for (Style& s : styles) s.description = printable(s.description, kMaxDescription);
  it->description += " (default)";
  return styles;
}

struct Registry {
  std::vector<Style> styles;
  gint default_value = 0;
  GType type = 0;
};

// Built once per process with the enum type; read-only afterwards.
const Registry& registry() {
  static const Registry* r = [] {
    auto* reg = new Registry();  // lives as long as the type: GEnumValue strings must
    reg->styles = scan(style_dir());
    auto* values = new GEnumValue[reg->styles.size() + 1]();
    for (size_t i = 0; i < reg->styles.size(); ++i) {
      const Style& s = reg->styles[i];
      values[i] = {gint(i), g_intern_string(s.description.c_str()), g_intern_string(s.nick.c_str())};
      if (s.nick == CARTOONIZE_DEFAULT_STYLE) reg->default_value = gint(i);
    }
    reg->type = g_enum_register_static("GstCartoonizeStyle", values);
    return reg;
  }();
  return *r;
}

const Style* find(gint style) {
  const auto& styles = registry().styles;
  return style >= 0 && size_t(style) < styles.size() ? &styles[size_t(style)] : nullptr;
}

}  // namespace

std::string style_dir() {
  const gchar* env = g_getenv("CARTOONIZE_STYLE_DIR");
  return (env && *env) ? env : CARTOONIZE_MODEL_DIR "/styles";
}

std::string data_dir() {
  fs::path dir = fs::path(style_dir()).lexically_normal();
  if (!dir.has_filename()) dir = dir.parent_path();  // "styles/" names the folder too
  return dir.parent_path().string();
}

gint default_style() { return registry().default_value; }

std::string style_nick(gint style) {
  const Style* s = find(style);
  return s ? s->nick : "";
}

std::string style_model_path(gint style) {
  const Style* s = find(style);
  if (!s) return "";
  if (style == default_style()) {
    const gchar* env = g_getenv("CARTOONIZE_DEFAULT_MODEL");
    if (env && *env) return env;
  }
  return s->path;
}

std::string style_student_path(gint style) {
  const Style* s = find(style);
  if (!s) return "";
  // $CARTOONIZE_DEFAULT_MODEL names the one file the default style runs.
  const gchar* env = g_getenv("CARTOONIZE_DEFAULT_MODEL");
  if (style == default_style() && env && *env) return env;
  const fs::path student = fs::path(style_dir()) / "fast" / (s->nick + ".ctzm");
  std::error_code ec;
  return !s->bad_student && fs::is_regular_file(student, ec) ? student.string() : style_model_path(style);
}

}  // namespace cartoonize_element

GType gst_cartoonize_style_get_type(void) { return cartoonize_element::registry().type; }
