// docs/element.md against the element as gst-inspect-1.0 shows it: every
// property listed there is documented, and every documented one exists.
#include <gst/gst.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "test_support.h"

namespace {

std::string inspect_output() {
  gchar* out = nullptr;
  gchar* err = nullptr;
  gint status = 0;
  GError* error = nullptr;
  const gboolean ran = g_spawn_command_line_sync("gst-inspect-1.0 cartoonize", &out, &err, &status, &error);
  EXPECT_TRUE(ran) << (error ? error->message : "");
  std::string text = out ? out : "";
  EXPECT_EQ(status, 0) << (err ? err : "");
  g_free(out);
  g_free(err);
  if (error) g_error_free(error);
  return text;
}

// Property names from the "Element Properties:" section (lines "  name  : blurb").
std::set<std::string> inspected_properties(const std::string& text) {
  std::set<std::string> names;
  const size_t start = text.find("Element Properties:");
  EXPECT_NE(start, std::string::npos) << text;
  if (start == std::string::npos) return names;
  std::istringstream lines(text.substr(start));
  std::string line;
  std::getline(lines, line);
  const std::regex prop(R"(^  ([a-z][a-z0-9-]*)\s*: )");
  std::smatch m;
  while (std::getline(lines, line)) {
    if (!line.empty() && line[0] != ' ') break;  // next section
    if (std::regex_search(line, m, prop)) names.insert(m[1]);
  }
  return names;
}

std::string read_doc() {
  const std::string path = cartoonize::testing::env_or("CARTOONIZE_SOURCE_ROOT", ".") + "/docs/element.md";
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << path;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Names in the first column of the doc's property tables: "| `name` |".
std::set<std::string> documented_properties(const std::string& doc) {
  std::set<std::string> names;
  const std::regex row(R"(^\| `([a-z][a-z0-9-]*)` \|)");
  std::istringstream lines(doc);
  std::string line;
  std::smatch m;
  while (std::getline(lines, line))
    if (std::regex_search(line, m, row)) names.insert(m[1]);
  return names;
}

}  // namespace

TEST(Docs, EveryPropertyOfGstInspectIsDocumentedAndNoOther) {
  const auto inspected = inspected_properties(inspect_output());
  const auto documented = documented_properties(read_doc());
  ASSERT_GT(inspected.size(), 10u) << "gst-inspect-1.0 listed too few properties";
  for (const auto& name : inspected) EXPECT_TRUE(documented.count(name)) << name << " is not in docs/element.md";
  for (const auto& name : documented)
    EXPECT_TRUE(inspected.count(name)) << name << " is documented but gst-inspect-1.0 does not list it";
}

TEST(Docs, MessagesAndCapsAreDocumented) {
  const std::string doc = read_doc();
  for (const char* word : {"model-updated", "cartoonize,", "GstVideoRegionOfInterestMeta", "RGBA", "BGRx", "QoS",
                           "max-pixels", "GAP", "DISCONT", "memory:CUDAMemory"})
    EXPECT_NE(doc.find(word), std::string::npos) << word;
}

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
