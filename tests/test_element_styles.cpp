// The `style` property: the enum lists the style files of a temporary
// CARTOONIZE_STYLE_DIR (set in main, before the element class exists),
// switching style while PLAYING goes through the model hot-swap without
// losing frames, model-location overrides it, and unknown names are refused.
// The outputs compared are frame mode's (mode=frame): the face path would
// leave these face-less 64x48 frames unchanged whatever the style.
#include <gst/check/gstharness.h>
#include <gst/gst.h>
#include <gst/video/video.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <set>
#include <vector>

#include "element_support.h"
#include "model_file.h"
#include "model_fixtures.h"

using namespace cartoonize::testing;

// The build's default style (the meson option default_style, tests/meson.build).
#ifndef CARTOONIZE_DEFAULT_STYLE
#error "tests/meson.build passes CARTOONIZE_DEFAULT_STYLE"
#endif

namespace {

constexpr int kW = 64, kH = 48;
const std::string kDefault = CARTOONIZE_DEFAULT_STYLE;

// The styles of the folder, sorted as the enum lists them: alpha, beta and
// the build's default style.
std::vector<std::string> sorted_styles() {
  std::vector<std::string> names{"alpha", "beta", kDefault};
  std::sort(names.begin(), names.end());
  return names;
}

// The enum value of a style (its index in the sorted folder).
gint value_of(const std::string& nick) {
  const auto names = sorted_styles();
  return gint(std::find(names.begin(), names.end(), nick) - names.begin());
}

// The style folder of this process: three small seeded networks (their
// outputs differ), one named as the build's default style, and two files
// that must be left out.
const TempDir& style_dir() {
  static TempDir dir;
  return dir;
}

void write_styles() {
  const TempDir& dir = style_dir();
  uint64_t seed = 11;
  for (const std::string& name : {std::string("alpha"), std::string("beta"), kDefault}) {
    cartoonize::Generator g = write_random_model(dir.file(name + ".ctzm"), {8, 1}, false, seed++);
    cartoonize::ModelInfo info;
    info.style = name;
    info.provenance_json = "{\"stage\": \"pretrain\", \"iterations\": 42}";
    cartoonize::save_model_file(dir.file(name + ".ctzm"), g, info, false);
  }
  write_bytes(dir.file("broken.ctzm"), "not a model");
  std::filesystem::copy_file(dir.file("beta.ctzm"), dir.file("Bad Name.ctzm"));
}

std::string style_file(const std::string& nick) { return style_dir().file(nick + ".ctzm"); }

std::string run_frame(GstHarness* h) {
  GstBuffer* out = gst_harness_push_and_pull(h, photo_buffer("RGB", kW, kH));
  std::string bytes = buffer_bytes(out);
  gst_buffer_unref(out);
  return bytes;
}

// The output of one frame through a fresh element with `props` (frame mode).
std::string output_with(const std::string& props) {
  GstHarness* h = new_harness("cartoonize device=cpu mode=frame " + props, caps_for("RGB", kW, kH));
  std::string bytes = run_frame(h);
  gst_harness_teardown(h);
  return bytes;
}

std::string nick_of(GstElement* e) {
  gint v = 0;
  g_object_get(e, "style", &v, nullptr);
  GEnumClass* klass = G_ENUM_CLASS(g_type_class_ref(G_PARAM_SPEC_VALUE_TYPE(
      g_object_class_find_property(G_OBJECT_GET_CLASS(e), "style"))));
  GEnumValue* value = g_enum_get_value(klass, v);
  std::string nick = value ? value->value_nick : "";
  g_type_class_unref(klass);
  return nick;
}

// The location of the next model-updated message, "" when none within `timeout`.
std::string next_model_update(GstBus* bus, GstClockTime timeout = 120 * GST_SECOND) {
  GstMessage* msg = wait_for(bus, GST_MESSAGE_ELEMENT, "model-updated", timeout);
  if (!msg) return "";
  const gchar* s = gst_structure_get_string(gst_message_get_structure(msg), "location");
  std::string location = s ? s : "";
  gst_message_unref(msg);
  return location;
}

}  // namespace

TEST(Styles, ThePropertyListsTheInstalledStyles) {
  GstElement* e = gst_element_factory_make("cartoonize", nullptr);
  ASSERT_NE(e, nullptr);
  GParamSpec* spec = g_object_class_find_property(G_OBJECT_GET_CLASS(e), "style");
  ASSERT_NE(spec, nullptr);
  EXPECT_TRUE(spec->flags & GST_PARAM_MUTABLE_PLAYING);
  const std::string blurb = g_param_spec_get_blurb(spec);
  for (const char* word : {"CARTOONIZE_STYLE_DIR", "/styles", "PLAYING", "model-location", "overrides"})
    EXPECT_NE(blurb.find(word), std::string::npos) << word << " not in: " << blurb;
  GEnumClass* klass = G_ENUM_CLASS(g_type_class_ref(G_PARAM_SPEC_VALUE_TYPE(spec)));
  std::set<std::string> nicks;
  for (guint i = 0; i < klass->n_values; ++i) {
    nicks.insert(klass->values[i].value_nick);
    const std::string description = klass->values[i].value_name;
    EXPECT_NE(description.find(std::string("style ") + klass->values[i].value_nick), std::string::npos)
        << "the description should carry the header's style name: " << description;
    EXPECT_NE(description.find("42 iterations"), std::string::npos) << description;
  }
  EXPECT_EQ(nicks, (std::set<std::string>{"alpha", "beta", kDefault})) << "broken and badly named files are left out";
  const GEnumValue* def = g_enum_get_value(klass, G_PARAM_SPEC_ENUM(spec)->default_value);
  ASSERT_NE(def, nullptr);
  EXPECT_EQ(def->value_nick, kDefault);
  EXPECT_NE(std::string(def->value_name).find("(default)"), std::string::npos);
  g_type_class_unref(klass);
  EXPECT_EQ(nick_of(e), kDefault);
  gst_object_unref(e);

  // gst-inspect-1.0 (another process, same environment) shows them too.
  gchar* out = nullptr;
  gint status = 0;
  ASSERT_TRUE(g_spawn_command_line_sync("gst-inspect-1.0 cartoonize", &out, nullptr, &status, nullptr));
  const std::string text = out ? out : "";
  g_free(out);
  EXPECT_EQ(status, 0);
  std::vector<std::string> words{"style", "Default: " + std::to_string(value_of(kDefault)) + ", \"" + kDefault + "\""};
  for (const auto& nick : sorted_styles()) words.push_back("(" + std::to_string(value_of(nick)) + "): " + nick);
  for (const auto& word : words) EXPECT_NE(text.find(word), std::string::npos) << word << " not in gst-inspect-1.0's output";
}

TEST(Styles, TheDefaultStyleAndAChosenOneAreLoadedFromTheStyleFolder) {
  const std::string alpha = output_with("model-location=" + style_file("alpha")),
                    beta = output_with("model-location=" + style_file("beta")),
                    def = output_with("model-location=" + style_file(kDefault));
  EXPECT_NE(alpha, beta);
  EXPECT_NE(alpha, def);
  EXPECT_EQ(output_with(""), def);
  EXPECT_EQ(output_with("style=alpha"), alpha);
  EXPECT_EQ(output_with("style=beta"), beta);
}

TEST(Styles, SwitchingWhilePlayingChangesTheOutputAndDropsNoFrames) {
  const std::string alpha = output_with("style=alpha"), beta = output_with("style=beta");
  GstHarness* h = new_harness("cartoonize device=cpu mode=frame style=alpha", caps_for("RGB", kW, kH));
  GstBus* bus = attach_bus(h);
  ASSERT_EQ(run_frame(h), alpha);
  g_object_set(cartoonize_of(h), "style", value_of("beta"), nullptr);
  EXPECT_EQ(nick_of(cartoonize_of(h)), "beta");
  // Frames keep going through while the loader works: every one comes out,
  // made whole by one of the two styles, none held up by the load.
  int pushed = 0, pulled = 0, by_alpha = 0, by_beta = 0;
  double slowest = 0;
  std::string updated;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  int after = 0;  // frames pushed once the swap was announced
  while (after < 5 && std::chrono::steady_clock::now() < deadline) {
    const auto t0 = std::chrono::steady_clock::now();
    ASSERT_EQ(gst_harness_push(h, photo_buffer("RGB", kW, kH)), GST_FLOW_OK);
    ++pushed;
    GstBuffer* out = gst_harness_pull(h);
    ASSERT_NE(out, nullptr);
    slowest = std::max(slowest, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    const std::string bytes = buffer_bytes(out);
    gst_buffer_unref(out);
    ++pulled;
    by_alpha += bytes == alpha;
    by_beta += bytes == beta;
    if (updated.empty()) updated = next_model_update(bus, GST_MSECOND);
    else ++after;
  }
  EXPECT_EQ(updated, style_file("beta"));
  EXPECT_EQ(pulled, pushed);
  EXPECT_EQ(by_alpha + by_beta, pushed) << "a frame was made by neither style";
  EXPECT_GE(by_beta, 5);
  EXPECT_LT(slowest, 5.0) << "a frame waited for the model load";
  EXPECT_EQ(run_frame(h), beta);
  gst_harness_teardown(h);
  gst_object_unref(bus);
}

TEST(Styles, AnExplicitModelLocationOverridesTheStyle) {
  const std::string alpha = output_with("style=alpha"), beta = output_with("style=beta");
  GstHarness* h = new_harness("cartoonize device=cpu mode=frame style=alpha model-location=" + style_file("beta"),
                              caps_for("RGB", kW, kH));
  GstBus* bus = attach_bus(h);
  EXPECT_EQ(run_frame(h), beta) << "model-location wins at start";
  g_object_set(cartoonize_of(h), "style", value_of(kDefault), nullptr);
  EXPECT_EQ(next_model_update(bus, 2 * GST_SECOND), "") << "a style change must not replace model-location's model";
  EXPECT_EQ(run_frame(h), beta);
  g_object_set(cartoonize_of(h), "style", value_of("alpha"), nullptr);
  // Unset model-location: the style applies again.
  g_object_set(cartoonize_of(h), "model-location", nullptr, nullptr);
  EXPECT_EQ(next_model_update(bus), style_file("alpha"));
  EXPECT_EQ(run_frame(h), alpha);
  gst_harness_teardown(h);
  gst_object_unref(bus);
}

// alpha's student, STYLE_DIR/fast/alpha.ctzm (a random model of its own,
// style alpha), written for one test: the others expect the folder without it.
static std::string write_alpha_student() {
  const std::string student = style_dir().file("fast/alpha.ctzm");
  std::filesystem::create_directories(style_dir().file("fast"));
  cartoonize::Generator g = write_random_model(student, {8, 1}, false, 99);
  cartoonize::ModelInfo info;
  info.style = "alpha";
  cartoonize::save_model_file(student, g, info, false);
  return student;
}

// quality: a style's student lives in STYLE_DIR/fast/NAME.ctzm. Here alpha
// gets one for this test only (other tests expect the folder without it).
TEST(Styles, QualityRunsTheStudentOnTheCpuAndTheStyleItselfWhenAsked) {
  const std::string student = write_alpha_student();
  const std::string alpha = output_with("model-location=" + style_file("alpha")),
                    fast = output_with("model-location=" + student), beta = output_with("style=beta quality=full");
  ASSERT_NE(alpha, fast);
  EXPECT_EQ(output_with("style=alpha quality=fast"), fast);
  EXPECT_EQ(output_with("style=alpha quality=full"), alpha);
  EXPECT_EQ(output_with("style=alpha"), fast) << "quality=auto on the CPU runs the student";
  EXPECT_EQ(output_with("style=beta quality=fast"), beta) << "a style without a student runs in full";
  EXPECT_EQ(output_with("style=alpha quality=fast model-location=" + style_file("beta")), beta)
      << "model-location overrides style and quality";

  // Changed while PLAYING: the model is swapped as for a style change.
  GstHarness* h = new_harness("cartoonize device=cpu mode=frame style=alpha quality=fast", caps_for("RGB", kW, kH));
  GstBus* bus = attach_bus(h);
  ASSERT_EQ(run_frame(h), fast);
  g_object_set(cartoonize_of(h), "quality", 2 /* full */, nullptr);
  EXPECT_EQ(next_model_update(bus), style_file("alpha"));
  EXPECT_EQ(run_frame(h), alpha);
  gst_harness_teardown(h);
  gst_object_unref(bus);
  std::filesystem::remove_all(style_dir().file("fast"));

  GstElement* e = gst_element_factory_make("cartoonize", nullptr);
  GParamSpec* spec = g_object_class_find_property(G_OBJECT_GET_CLASS(e), "quality");
  ASSERT_NE(spec, nullptr);
  EXPECT_TRUE(spec->flags & GST_PARAM_MUTABLE_PLAYING);
  EXPECT_EQ(G_PARAM_SPEC_ENUM(spec)->default_value, 0) << "auto";
  gst_object_unref(e);
}

// A style's student that cannot be loaded (issue 26 item 6): fast/alpha.ctzm
// written after the scan (which reads headers only) with its header whole
// and its weights cut short. quality=auto on the CPU picks it; the element
// runs alpha's own model instead and says why on the bus.
TEST(Styles, AStudentThatCannotBeLoadedGivesWayToTheStylesOwnModel) {
  const std::string student = write_alpha_student();
  {
    const std::string bytes = read_bytes(student);
    write_bytes(student, bytes.substr(0, bytes.size() - 100));
  }
  const std::string alpha = output_with("model-location=" + style_file("alpha"));
  auto expect_warning = [&](GstBus* bus) {
    GstMessage* msg = wait_for(bus, GST_MESSAGE_WARNING, nullptr, 60 * GST_SECOND);
    ASSERT_NE(msg, nullptr) << "no warning for the student";
    const std::string text = message_text(msg);
    gst_message_unref(msg);
    for (const std::string& word : {student, std::string("truncated"), std::string("runs its own model"),
                                    style_file("alpha")})
      EXPECT_NE(text.find(word), std::string::npos) << word << " not in: " << text;
  };

  // At start: the bus is the element's before the harness starts it.
  GstElement* e = gst_parse_launch("cartoonize device=cpu mode=frame style=alpha", nullptr);
  ASSERT_NE(e, nullptr);
  GstBus* bus = gst_bus_new();
  gst_element_set_bus(e, bus);
  if (gst_element_set_state(e, GST_STATE_READY) != GST_STATE_CHANGE_SUCCESS ||
      gst_element_set_state(e, GST_STATE_PAUSED) == GST_STATE_CHANGE_FAILURE) {
    GstMessage* msg = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);
    ADD_FAILURE() << "the element did not start: " << (msg ? message_text(msg) : "no error posted");
    if (msg) gst_message_unref(msg);
    gst_element_set_state(e, GST_STATE_NULL);
    gst_object_unref(e);
    gst_object_unref(bus);
    std::filesystem::remove_all(style_dir().file("fast"));
    return;
  }
  GstHarness* h = gst_harness_new_with_element(e, "sink", "src");
  gst_object_unref(e);
  gst_harness_set_caps_str(h, caps_for("RGB", kW, kH).c_str(), caps_for("RGB", kW, kH).c_str());
  ASSERT_EQ(gst_harness_push(h, photo_buffer("RGB", kW, kH)), GST_FLOW_OK);
  GstBuffer* out = gst_harness_pull(h);
  ASSERT_NE(out, nullptr);
  EXPECT_EQ(buffer_bytes(out), alpha) << "quality=auto on the CPU: alpha's own model";
  gst_buffer_unref(out);
  expect_warning(bus);

  // While PLAYING: full, then fast again. The swap loads alpha's own model.
  g_object_set(cartoonize_of(h), "quality", 2 /* full */, nullptr);
  EXPECT_EQ(next_model_update(bus), style_file("alpha"));
  g_object_set(cartoonize_of(h), "quality", 1 /* fast */, nullptr);
  expect_warning(bus);
  EXPECT_EQ(next_model_update(bus), style_file("alpha"));
  EXPECT_EQ(run_frame(h), alpha);
  gst_harness_teardown(h);
  gst_object_unref(bus);
  std::filesystem::remove_all(style_dir().file("fast"));
}

// What another process (gst-inspect-1.0, gst-launch-1.0) prints with the
// style folder `dir`: exit status, stdout, stderr.
struct Spawned {
  int status = -1;
  std::string out, err;
};
Spawned spawn_with_styles(const std::string& dir, std::vector<std::string> argv, const char* debug = nullptr) {
  gchar** env = g_get_environ();
  env = g_environ_setenv(env, "CARTOONIZE_STYLE_DIR", dir.c_str(), TRUE);
  env = g_environ_setenv(env, "LC_ALL", "C.UTF-8", TRUE);  // g_print passes UTF-8 through unchanged
  env = g_environ_setenv(env, "GST_DEBUG_NO_COLOR", "1", TRUE);
  if (debug) env = g_environ_setenv(env, "GST_DEBUG", debug, TRUE);
  std::vector<gchar*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  gchar *out = nullptr, *err = nullptr;
  Spawned r;
  GError* error = nullptr;
  if (!g_spawn_sync(nullptr, args.data(), env, G_SPAWN_SEARCH_PATH, nullptr, nullptr, &out, &err, &r.status, &error)) {
    ADD_FAILURE() << argv[0] << ": " << error->message;
    g_error_free(error);
  }
  g_strfreev(env);
  r.out = out ? out : "";
  r.err = err ? err : "";
  g_free(out);
  g_free(err);
  return r;
}

// The style scan reads the students' headers too (issue 26 item 6): a
// student whose header does not read is reported and treated as absent, so
// the style runs its own model without trying it.
TEST(Styles, TheScanLeavesOutAStudentWhoseHeaderDoesNotRead) {
  TempDir dir;
  std::filesystem::create_directories(dir.file("fast"));
  write_random_model(dir.file("gamma.ctzm"), {8, 1}, false, 5);
  write_bytes(dir.file("fast/gamma.ctzm"), "CTZMODEL not a header");
  const Spawned inspect = spawn_with_styles(dir.path(), {"gst-inspect-1.0", "cartoonize"}, "cartoonize:2");
  EXPECT_EQ(inspect.status, 0) << inspect.err;
  EXPECT_NE(inspect.out.find("gamma"), std::string::npos) << "the style is listed";
  const std::string left_out = "the student " + dir.file("fast/gamma.ctzm") + " is left out";
  EXPECT_NE(inspect.err.find(left_out), std::string::npos) << left_out << " not in:\n" << inspect.err;

  const Spawned launch = spawn_with_styles(
      dir.path(),
      {"gst-launch-1.0", "videotestsrc", "num-buffers=1", "!", "video/x-raw,format=RGB,width=64,height=48", "!",
       "cartoonize", "device=cpu", "mode=frame", "style=gamma", "!", "fakesink"},
      "cartoonize:4");
  EXPECT_EQ(launch.status, 0) << launch.out << launch.err;
  EXPECT_NE(launch.err.find("loaded model " + dir.file("gamma.ctzm")), std::string::npos) << launch.err;
  EXPECT_EQ((launch.out + launch.err).find("cannot be loaded"), std::string::npos)
      << "the student was tried:\n" << launch.out << launch.err;
}

// gst-inspect-1.0 shows a model's provenance sanitised and shortened (issue
// 26 item 9): no escape sequence, control character or invalid UTF-8 reaches
// the terminal, and a 20 kB field is cut.
TEST(Styles, GstInspectShowsProvenanceSanitisedAndShort) {
  TempDir dir;
  cartoonize::Generator g = write_random_model(dir.file("delta.ctzm"), {8, 1}, false, 6);
  cartoonize::ModelInfo info;
  info.style = "delta";
  info.provenance_json = std::string("{\"stage\": \"\x1b[2J\x1b]0;pwned\x07red\x1b[31m \xff\xfe\xc3(") +
                         std::string(20000, 'A') + "\", \"iterations\": 12\x1b[0m3}";
  cartoonize::save_model_file(dir.file("delta.ctzm"), g, info, false);
  const Spawned inspect = spawn_with_styles(dir.path(), {"gst-inspect-1.0", "cartoonize"});
  EXPECT_EQ(inspect.status, 0) << inspect.err;
  const std::string& text = inspect.out;
  const size_t at = text.find("): delta");
  ASSERT_NE(at, std::string::npos) << text.substr(0, 4000);
  const std::string line = text.substr(at, text.find('\n', at) - at);
  EXPECT_NE(line.find("style delta, "), std::string::npos) << line;
  EXPECT_NE(line.find("red"), std::string::npos) << line;
  EXPECT_NE(line.find("\u2026"), std::string::npos) << "an ellipsis where the field is cut: " << line;
  EXPECT_NE(line.find("12[0m3 iterations"), std::string::npos) << line;
  EXPECT_LT(line.size(), 400u) << "the line is not shortened";
  EXPECT_TRUE(g_utf8_validate(text.data(), gssize(text.size()), nullptr)) << "invalid UTF-8 in gst-inspect's output";
  for (char c : text)
    if (uint8_t(c) < 0x20 && c != '\n') {
      ADD_FAILURE() << "control character " << int(c) << " in gst-inspect's output: " << line.substr(0, 300);
      break;
    }
}

// GLib's warning for an enum value the type does not have.
void count_warning(const gchar*, GLogLevelFlags, const gchar* message, gpointer data) {
  if (std::string(message).find("style") != std::string::npos) ++*static_cast<int*>(data);
}

TEST(Styles, AnUnknownStyleIsRefusedWithAWarning) {
  // By name (gst-launch-1.0 syntax): the parser refuses it, naming the value
  // (gst-launch-1.0 prints "WARNING: erroneous pipeline: could not set property").
  GError* err = nullptr;
  GstElement* parsed = gst_parse_launch("cartoonize style=nosuch", &err);
  ASSERT_NE(err, nullptr) << "an unknown style must be reported";
  EXPECT_TRUE(g_error_matches(err, GST_PARSE_ERROR, GST_PARSE_ERROR_COULD_NOT_SET_PROPERTY)) << err->message;
  EXPECT_NE(std::string(err->message).find("nosuch"), std::string::npos) << err->message;
  g_error_free(err);
  if (parsed) {
    EXPECT_EQ(nick_of(parsed), kDefault) << "the property must keep its value";
    gst_object_unref(parsed);
  }
  // By value: GLib warns and leaves the property as it was.
  GstElement* e = gst_element_factory_make("cartoonize", nullptr);
  ASSERT_NE(e, nullptr);
  int warnings = 0;
  const guint handler = g_log_set_handler("GLib-GObject", G_LOG_LEVEL_WARNING, count_warning, &warnings);
  g_object_set(e, "style", value_of("beta"), nullptr);
  g_object_set(e, "style", 99, nullptr);
  g_log_remove_handler("GLib-GObject", handler);
  EXPECT_EQ(warnings, 1);
  EXPECT_EQ(nick_of(e), "beta");
  gst_object_unref(e);
}

int main(int argc, char** argv) {
  if (kDefault == "alpha" || kDefault == "beta") {
    std::fprintf(stderr, "the default style %s clashes with this test's fixture styles\n", kDefault.c_str());
    return 1;
  }
  // Before the element class is initialised: the style enum is built then.
  write_styles();
  g_setenv("CARTOONIZE_STYLE_DIR", style_dir().path().c_str(), TRUE);
  g_unsetenv("CARTOONIZE_DEFAULT_MODEL");  // the default style from the folder too
  gst_init(&argc, &argv);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
