// core/: the generator, the model file format and the Engine, with LibTorch
// only (this file also builds in the core_only configuration).
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <optional>
#include <vector>

#include "engine.h"
#include "error.h"
#include "generator.h"
#include "image_model.h"
#include "model_file.h"
#include "model_fixtures.h"
#include "pickle_scan.h"
#include "tensor_image.h"
#include "test_support.h"

using namespace cartoonize;
using cartoonize::testing::TempDir;

namespace {

// Expects `fn` to throw cartoonize::Error whose message contains `phrase`.
template <typename F>
void expect_error(F fn, const std::string& phrase) {
  try {
    fn();
    ADD_FAILURE() << "no error; expected one mentioning '" << phrase << "'";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(phrase), std::string::npos) << "message: " << e.what();
  }
}

uint32_t le32(const std::string& b, size_t at) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = v << 8 | uint8_t(b[at + size_t(i)]);
  return v;
}
uint16_t le16(const std::string& b, size_t at) { return uint16_t(uint8_t(b[at]) | uint8_t(b[at + 1]) << 8); }
void put_le32(std::string& b, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + size_t(i)] = char(v >> (8 * i));
}

// The stored record of a zip archive whose name ends with `suffix`
// (PyTorchStreamWriter stores data.pkl and constants.pkl uncompressed).
struct StoredRecord {
  std::string name;
  size_t data = 0, size = 0;
};
StoredRecord find_stored_record(const std::string& zip, const std::string& suffix) {
  // Sizes from the central directory: the local headers may leave them 0.
  for (size_t at = zip.find("PK\x01\x02"); at != std::string::npos; at = zip.find("PK\x01\x02", at + 4)) {
    const std::string name = zip.substr(at + 46, le16(zip, at + 28));
    if (le16(zip, at + 10) != 0 || name.size() < suffix.size() ||
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
      continue;
    const size_t local = le32(zip, at + 42);
    return {name, local + 30 + le16(zip, local + 26) + le16(zip, local + 28), le32(zip, at + 20)};
  }
  ADD_FAILURE() << "no stored record *" << suffix;
  return {};
}

// A TorchScript model whose data.pkl holds a string (a BINUNICODE) to forge.
void write_labelled_script_model(const std::string& path) {
  torch::jit::Module m("TestModel");
  m.register_attribute("label", c10::StringType::get(), std::string("cartoonize"));
  m.define("def forward(self, x):\n    return x\n");
  m.save(path, {{"cartoonize.txt", "normalization zero_one\n"}});
}

// Replaces a stored record's bytes (same size) and both copies of its CRC, so
// the only thing wrong with the archive is what the record says.
void rewrite_record(std::string& zip, const StoredRecord& r, const std::string& bytes) {
  ASSERT_EQ(bytes.size(), r.size);
  zip.replace(r.data, r.size, bytes);
  const uint32_t crc = cartoonize::crc32(bytes.data(), bytes.size());
  for (const char* sig : {"PK\x03\x04", "PK\x01\x02"})
    for (size_t at = zip.find(sig); at != std::string::npos; at = zip.find(sig, at + 4)) {
      const bool local = sig[2] == 3;
      const size_t name_at = at + (local ? 30 : 46), name_len = le16(zip, at + (local ? 26 : 28));
      if (zip.compare(name_at, name_len, r.name) == 0) put_le32(zip, at + (local ? 14 : 16), crc);
    }
}

}  // namespace

TEST(Generator, HasTheDocumentedSize) {
  Generator g;
  EXPECT_EQ(parameter_count(*g), 1467075);  // ~1.47 M at width 32, 4 res blocks
  EXPECT_EQ(uint64_t(parameter_count(*g)), expected_parameter_count(g->config()));
  Generator wide(GeneratorConfig{48, 6});
  EXPECT_EQ(uint64_t(parameter_count(*wide)), expected_parameter_count(wide->config()));
}

TEST(Generator, AcceptsAnySizeAndKeepsIt) {
  torch::manual_seed(1);
  Generator g;
  g->eval();
  torch::NoGradGuard ng;
  for (auto [h, w] : std::vector<std::pair<int, int>>{{1, 1}, {3, 5}, {17, 33}, {128, 128}, {61, 4}}) {
    auto y = g->forward(torch::rand({2, 3, h, w}) * 2 - 1);
    EXPECT_EQ(y.sizes(), (std::vector<int64_t>{2, 3, h, w}));
    EXPECT_LE(y.abs().max().item<float>(), 1.0f);  // tanh output range
  }
}

TEST(Generator, PaddingDoesNotLeakIntoTheCrop) {
  // A 61x63 input must give the same pixels as the top-left of its 64x64
  // replicate-padded version run through the network... approximately: the
  // network sees identical content near the kept region.
  torch::manual_seed(2);
  Generator g;
  g->eval();
  torch::NoGradGuard ng;
  auto x = torch::rand({1, 3, 61, 63}) * 2 - 1;
  auto y = g->forward(x);
  auto padded = torch::nn::functional::pad(x, torch::nn::functional::PadFuncOptions({0, 1, 0, 3}).mode(torch::kReplicate));
  auto yp = g->forward(padded).narrow(2, 0, 61).narrow(3, 0, 63);
  EXPECT_LT((y - yp).abs().max().item<float>(), 1e-5);
}

TEST(ModelFile, RoundTripsExactlyInF32AndCloselyInF16) {
  TempDir dir;
  Generator g = cartoonize::testing::write_random_model(dir.file("m.ctzm"), GeneratorConfig{16, 2});
  auto loaded = load_model_file(dir.file("m.ctzm"));
  EXPECT_EQ(loaded.info.width, 16);
  EXPECT_EQ(loaded.info.res_blocks, 2);
  EXPECT_EQ(loaded.info.input_size, 128);
  EXPECT_EQ(loaded.info.provenance_json, "{\"test\": true}");
  torch::NoGradGuard ng;
  auto x = torch::rand({1, 3, 40, 52}) * 2 - 1;
  EXPECT_TRUE(torch::equal(g->forward(x), loaded.generator->forward(x)));

  cartoonize::save_model_file(dir.file("h.ctzm"), g, loaded.info, true);
  auto half = load_model_file(dir.file("h.ctzm"));
  EXPECT_EQ(half.info.dtype, "f16");
  EXPECT_LT((g->forward(x) - half.generator->forward(x)).abs().max().item<float>(), 2e-2);
}

TEST(ModelFile, RoundTripsTheStyleNameAndReadsItFromTheHeaderAlone) {
  TempDir dir;
  Generator g = cartoonize::testing::write_random_model(dir.file("plain.ctzm"), GeneratorConfig{8, 1});
  EXPECT_EQ(load_model_file(dir.file("plain.ctzm")).info.style, "") << "a file without a style line";
  ModelInfo info;
  info.style = "anime_2-b";
  cartoonize::save_model_file(dir.file("s.ctzm"), g, info, false);
  EXPECT_EQ(load_model_file(dir.file("s.ctzm")).info.style, "anime_2-b");
  EXPECT_EQ(read_model_header(dir.file("s.ctzm")).style, "anime_2-b");
  EXPECT_EQ(read_model_header(dir.file("s.ctzm")).width, 8);
}

TEST(ModelFile, RoundTripsTheOutputFilterAndOldFilesHaveNone) {
  TempDir dir;
  Generator g = cartoonize::testing::write_random_model(dir.file("plain.ctzm"), GeneratorConfig{8, 1});
  EXPECT_FALSE(read_model_header(dir.file("plain.ctzm")).output_filter.on()) << "a file without the line";
  ModelInfo info;
  info.output_filter = {2, 0.0625, 0.5, 4, 0.0125};
  cartoonize::save_model_file(dir.file("f.ctzm"), g, info, false);
  const ModelInfo back = load_model_file(dir.file("f.ctzm")).info;
  EXPECT_EQ(back.output_filter.line_radius, 2);
  EXPECT_DOUBLE_EQ(back.output_filter.line_contrast, 0.0625);
  EXPECT_DOUBLE_EQ(back.output_filter.color, 0.5);
  EXPECT_EQ(back.output_filter.radius, 4);
  EXPECT_DOUBLE_EQ(back.output_filter.eps, 0.0125);
}

TEST(Engine, TheOutputFilterKeepsFaceCartoonsToTheInputsEdges) {
  // A crop with no edge at all (flat grey plus faint noise): whatever
  // strokes a random generator draws there, the guided filter flattens them,
  // and an explicit option overrides the file's own filter.
  TempDir dir;
  Generator g = cartoonize::testing::write_random_model(dir.file("plain.ctzm"), GeneratorConfig{8, 1});
  ModelInfo info;
  info.output_filter.radius = 5;
  info.output_filter.eps = 0.01;
  cartoonize::save_model_file(dir.file("filtered.ctzm"), g, info, false);
  torch::manual_seed(5);
  torch::Tensor noise = torch::randint(118, 139, {64, 64, 3}, torch::kUInt8);
  std::vector<uint8_t> crop(noise.data_ptr<uint8_t>(), noise.data_ptr<uint8_t>() + noise.numel());
  auto run = [&](const std::string& model, std::optional<OutputFilter> filter) {
    EngineOptions o;
    o.model_path = model;
    o.device = DeviceChoice::Cpu;
    o.output_filter = filter;
    auto engine = Engine::create(o);
    std::vector<float> out(64 * 64 * 3);
    engine->cartoonize_batch({ImageView{crop.data(), 64, 64, 64 * 3, PixelLayout::RGB}}, {out.data()});
    // Fine detail of the output: mean absolute difference of neighbours.
    const torch::Tensor y = torch::from_blob(out.data(), {64, 64, 3}, torch::kFloat);
    return (y.slice(0, 1) - y.slice(0, 0, 63)).abs().mean().item<double>() +
           (y.slice(1, 1) - y.slice(1, 0, 63)).abs().mean().item<double>();
  };
  const double plain = run(dir.file("plain.ctzm"), std::nullopt);
  const double filtered = run(dir.file("filtered.ctzm"), std::nullopt);
  EXPECT_LT(filtered, 0.5 * plain) << "the file's filter ran";
  EXPECT_NEAR(run(dir.file("filtered.ctzm"), OutputFilter{}), plain, 1e-3 * plain) << "an option of none turns it off";
  EXPECT_NEAR(run(dir.file("plain.ctzm"), OutputFilter{0, 0, 0, 5, 0.01}), filtered, 1e-3 * filtered) << "an option turns it on";
}

TEST(ModelFile, RefusesToWriteABadStyleName) {
  TempDir dir;
  Generator g = cartoonize::testing::write_random_model(dir.file("m.ctzm"), GeneratorConfig{8, 1});
  for (const std::string& bad : std::vector<std::string>{"Anime", "a b", "toon.v2", std::string(33, 'a'), "x\ny"}) {
    ModelInfo info;
    info.style = bad;
    expect_error([&] { cartoonize::save_model_file(dir.file("bad.ctzm"), g, info, false); }, "bad style name");
  }
  EXPECT_TRUE(valid_style_name(std::string(32, 'a')));
  EXPECT_FALSE(valid_style_name(""));
}

class DamagedModel : public ::testing::Test {
 protected:
  void SetUp() override {
    cartoonize::testing::write_random_model(dir.file("good.ctzm"), GeneratorConfig{8, 1});
    good = cartoonize::testing::read_bytes(dir.file("good.ctzm"));
  }
  // Writes `bytes` as bad.ctzm and expects loading to fail naming `phrase`.
  void expect_rejected(const std::string& bytes, const std::string& phrase) {
    cartoonize::testing::write_bytes(dir.file("bad.ctzm"), bytes);
    expect_error([&] { load_model_file(dir.file("bad.ctzm")); }, phrase);
    expect_error([&] { load_image_model(dir.file("bad.ctzm")); }, phrase);
  }
  std::string header_text() const {
    uint32_t len;
    std::memcpy(&len, good.data() + 12, 4);
    return good.substr(16, len);
  }
  // The file with header `text`; a header_crc32 first line is recomputed, so
  // the damage a test makes is what the loader's other checks see.
  std::string with_header(const std::string& text) const {
    if (text.rfind("header_crc32 ", 0) != 0) return with_raw_header(text);
    const std::string body = text.substr(text.find('\n') + 1);
    return with_raw_header(
        std::string("header_crc32 ").append(std::to_string(crc32(body.data(), body.size()))).append("\n").append(body));
  }
  // The file with header `text` exactly.
  std::string with_raw_header(const std::string& text) const {
    uint32_t old_len, len = uint32_t(text.size());
    std::memcpy(&old_len, good.data() + 12, 4);
    std::string out = good.substr(0, 12);
    out.append(reinterpret_cast<const char*>(&len), 4);
    return out + text + good.substr(16 + old_len);
  }
  TempDir dir;
  std::string good;
};

TEST_F(DamagedModel, BadStyleNameInTheHeader) {
  for (const std::string& bad : std::vector<std::string>{"Ink", "in k", "ink/../x", "", std::string(33, 'a')}) {
    expect_rejected(with_header(header_text() + "style " + bad + "\n"), "bad style name");
    expect_error([&] { read_model_header(dir.file("bad.ctzm")); }, "bad style name");
  }
}

TEST_F(DamagedModel, BadOutputFilterInTheHeader) {
  for (const std::string& bad : std::vector<std::string>{"4", "x 0.1", "4 2", "4 nan", "65 0.1", "4 0.1 7", "-1 0.1"})
    for (const std::string key : {"output_guided", "output_lines"})
      expect_rejected(with_header(header_text() + key + " " + bad + "\n"), key);
  for (const std::string& bad : std::vector<std::string>{"", "2", "nan", "0.5 1", "-0.1"})
    expect_rejected(with_header(header_text() + "output_color " + bad + "\n"), "output_color");
}

TEST_F(DamagedModel, MissingFile) {
  expect_error([&] { load_model_file(dir.file("nope.ctzm")); }, "No such file");
}
TEST_F(DamagedModel, Directory) {
  expect_error([&] { load_model_file(dir.path()); }, "is a directory");
}
TEST_F(DamagedModel, Empty) { expect_rejected("", "is empty"); }
TEST_F(DamagedModel, TruncatedInWeights) { expect_rejected(good.substr(0, good.size() - 100), "truncated"); }
TEST_F(DamagedModel, TruncatedInHeader) { expect_rejected(good.substr(0, 40), "truncated"); }
TEST_F(DamagedModel, TrailingGarbage) { expect_rejected(good + "xx", "trailing"); }
TEST_F(DamagedModel, BadMagic) { expect_rejected("GIF89a" + good.substr(6), "bad magic"); }
TEST_F(DamagedModel, FlippedWeightBit) {
  std::string b = good;
  b[b.size() - 10] ^= 0x10;
  expect_rejected(b, "checksum");
}
TEST_F(DamagedModel, UnsupportedVersion) {
  std::string b = good;
  b[8] = 9;
  expect_rejected(b, "version 9");
}
TEST_F(DamagedModel, HugeDeclaredHeader) {
  std::string b = good;
  b[15] = char(0x7f);
  expect_rejected(b, "implausible");
}
TEST_F(DamagedModel, WrongArchitectureName) {
  std::string h = header_text();
  h.replace(h.find("unet-wbc"), 8, "resnet50");
  expect_rejected(with_header(h), "unknown architecture 'resnet50'");
}
TEST_F(DamagedModel, WrongWidthIsAShapeMismatch) {
  // Declares more res blocks / width than the weights hold: refused before
  // any large allocation.
  std::string h = header_text();
  h.replace(h.find("width 8"), 7, "width 9");
  expect_rejected(with_header(h), "wrong architecture");
  h = header_text();
  h.replace(h.find("width 8"), 7, "width 512");
  h.replace(h.find("res_blocks 1"), 12, "res_blocks 64");
  expect_rejected(with_header(h), "needs more weights");
}
TEST_F(DamagedModel, ShapeMismatch) {
  std::string h = header_text();
  auto at = h.find("tensor conv0.weight 8,3,7,7");
  ASSERT_NE(at, std::string::npos) << h;
  h.replace(at, 27, "tensor conv0.weight 8,7,3,7");
  expect_rejected(with_header(h), "shape mismatch for conv0.weight");
}
TEST_F(DamagedModel, MissingTensor) {
  std::string h = header_text();
  auto at = h.find("tensor conv0.bias");
  h.replace(at, 17, "tensor conv0.beta");
  expect_rejected(with_header(h), "conv0.bias is missing");
}
TEST_F(DamagedModel, NaNWeights) {
  torch::manual_seed(3);
  Generator g(GeneratorConfig{8, 1});
  {
    torch::NoGradGuard ng;
    g->up1a->weight[0][0][0][0] = std::numeric_limits<float>::quiet_NaN();
  }
  cartoonize::save_model_file(dir.file("nan.ctzm"), g, ModelInfo{}, false);
  expect_error([&] { load_model_file(dir.file("nan.ctzm")); }, "up1a.weight contains NaN");
}
// Issue 26 item 5: the checksum covers the header too (header_crc32, the
// header's first line), and header values are range-checked.
TEST_F(DamagedModel, TheHeaderHasItsOwnChecksum) {
  const std::string h = header_text();
  ASSERT_EQ(h.rfind("header_crc32 ", 0), 0u) << "save_model_file writes header_crc32 first:\n" << h;
  // One bit each, every value still in range and inside the weights:
  // input_size 128 -> 328, a tensor offset moved by one byte.
  std::string b = h;
  b[b.find("input_size 128") + 11] ^= 0x02;
  ASSERT_NE(b.find("input_size 328"), std::string::npos);
  expect_rejected(with_raw_header(b), "header checksum mismatch");
  b = h;
  const size_t bias = b.find("tensor conv0.bias ");
  ASSERT_NE(bias, std::string::npos);
  b[b.rfind(' ', b.find('\n', bias)) - 1] ^= 0x01;  // the offset's last digit
  expect_rejected(with_raw_header(b), "header checksum mismatch");
  // The line itself: its key, the space after it, its value.
  for (size_t at : {size_t(11), size_t(12), size_t(14)}) {
    b = h;
    b[at] ^= 0x01;
    expect_rejected(with_raw_header(b), at < 13 ? "damaged header_crc32 line" : "header checksum mismatch");
  }
}

TEST_F(DamagedModel, EveryByteOfTheHeaderIsChecked) {
  // read_model_header (what the style scan reads) reads no further than the
  // header, so the file stops there. Every byte before the weights gets one
  // flipped bit (the bit cycles with the byte's position), the magic,
  // version, length and the header_crc32 line all eight in turn.
  uint32_t len;
  std::memcpy(&len, good.data() + 12, 4);
  const std::string head = good.substr(0, 16 + len);
  const size_t crc_line_end = head.find('\n', 16) + 1;
  cartoonize::testing::write_bytes(dir.file("head.ctzm"), head);
  ASSERT_NO_THROW(read_model_header(dir.file("head.ctzm")));
  int accepted = 0;
  std::string examples;
  for (size_t i = 0; i < head.size(); ++i)
    for (int bit = 0; bit < 8; ++bit) {
      if (i >= crc_line_end && bit != int(i % 8)) continue;
      std::string b = head;
      b[i] = char(b[i] ^ (1 << bit));
      cartoonize::testing::write_bytes(dir.file("head.ctzm"), b);
      try {
        read_model_header(dir.file("head.ctzm"));
        if (++accepted <= 5) examples.append(" byte ").append(std::to_string(i)).append(" bit ").append(std::to_string(bit));
      } catch (const Error&) {
      }
    }
  EXPECT_EQ(accepted, 0) << "one-bit flips read silently:" << examples;
}

TEST_F(DamagedModel, FilesWithoutTheHeaderChecksumLoadAndKeepTheOtherChecks) {
  // Every model shipped before header_crc32 has none: read as before.
  std::string old = header_text();
  if (old.rfind("header_crc32 ", 0) == 0) old.erase(0, old.find('\n') + 1);
  cartoonize::testing::write_bytes(dir.file("old.ctzm"), with_raw_header(old));
  EXPECT_NO_THROW(load_model_file(dir.file("old.ctzm")));
  // A tensor offset one bit off (unaligned) or 64 bytes on (another
  // tensor's bytes): off the layout the writer uses.
  const size_t bias = old.find("tensor conv0.bias ");
  ASSERT_NE(bias, std::string::npos);
  const size_t off_end = old.rfind(' ', old.find('\n', bias));
  const size_t off_start = old.rfind(' ', off_end - 1) + 1;
  const uint64_t offset = std::stoull(old.substr(off_start, off_end - off_start));
  for (uint64_t moved : {offset ^ 1, offset + 64}) {
    std::string b = old;
    b.replace(off_start, off_end - off_start, std::to_string(moved));
    expect_rejected(with_raw_header(b), "corrupt tensor table");
  }
  // A key one bit off is a damaged line, not an unknown one.
  std::string b = old;
  b.replace(b.find("input_size 128"), 10, "input_sizm");
  expect_rejected(with_raw_header(b), "one bit from 'input_size'");
}

TEST_F(DamagedModel, HeaderValuesOutsideTheTrainersRangesAreRefused) {
  // The trainer's --size 16..1024, --width 1..512, --res-blocks 0..64
  // (input_size 8192 and min-crop-size=0 ran the process out of memory).
  const std::vector<std::array<std::string, 3>> cases{
      {"input_size 128", "input_size 8192", "input_size 8192 is not in 16..1024"},
      {"input_size 128", "input_size 1025", "input_size 1025 is not in 16..1024"},
      {"input_size 128", "input_size 8", "input_size 8 is not in 16..1024"},
      {"width 8", "width 0", "width 0 is not in 1..512"},
      {"width 8", "width 513", "width 513 is not in 1..512"},
      {"res_blocks 1", "res_blocks 65", "res_blocks 65 is not in 0..64"}};
  for (const auto& [from, to, phrase] : cases) {
    SCOPED_TRACE(to);
    std::string h = header_text();
    h.replace(h.find(from + "\n"), from.size(), to);
    expect_rejected(with_header(h), phrase);
    expect_error([&] { read_model_header(dir.file("bad.ctzm")); }, phrase);
  }
  // And the writer refuses to write one.
  Generator g(GeneratorConfig{8, 1});
  ModelInfo info;
  info.input_size = 2048;
  expect_error([&] { cartoonize::save_model_file(dir.file("big.ctzm"), g, info, false); },
               "input_size 2048 is not in 16..1024");
}

TEST_F(DamagedModel, NoReadPermission) {
  if (geteuid() == 0) GTEST_SKIP() << "running as root: file permissions do not apply";
  ::chmod(dir.file("good.ctzm").c_str(), 0);
  expect_error([&] { load_model_file(dir.file("good.ctzm")); }, "Permission denied");
}

// The shipped students (models/styles/fast/NAME.ctzm, quality=fast|auto): each
// is a smaller generator of a shipped style, made for the same crops (input
// size and range), and loads.
TEST(ShippedStudents, EachIsASmallerModelOfAShippedStyle) {
  namespace fs = std::filesystem;
  const fs::path styles = cartoonize::testing::env_or("CARTOONIZE_STYLE_DIR", "models/styles");
  std::error_code ec;
  int students = 0;
  for (const auto& entry : fs::directory_iterator(styles / "fast", ec)) {
    if (entry.path().extension() != ".ctzm") continue;
    SCOPED_TRACE(entry.path().string());
    ++students;
    const ModelInfo student = read_model_header(entry.path().string());
    const fs::path teacher_file = styles / entry.path().filename();
    ASSERT_TRUE(fs::is_regular_file(teacher_file)) << "a student without its style";
    const ModelInfo teacher = read_model_header(teacher_file.string());
    EXPECT_EQ(student.style, entry.path().stem().string());
    if (!teacher.style.empty()) {  // older style files have no style line
      EXPECT_EQ(student.style, teacher.style);
    }
    EXPECT_EQ(student.input_size, teacher.input_size);
    EXPECT_EQ(student.normalization, teacher.normalization);
    EXPECT_LT(student.width * student.width * (student.res_blocks + 4),
              teacher.width * teacher.width * (teacher.res_blocks + 4) / 2)
        << "not smaller than its teacher";
    EXPECT_NE(student.provenance_json.find("distill"), std::string::npos) << student.provenance_json;
    EXPECT_NO_THROW(load_model_file(entry.path().string()));
  }
  if (students == 0) GTEST_SKIP() << "no student in " << (styles / "fast");
}

TEST(TorchScript, LoadsWithDeclaredRange) {
  TempDir dir;
  cartoonize::testing::write_script_model(dir.file("neg.pt"), "-x", "normalization zero_one\ninput_size 256\n");
  auto m = load_image_model(dir.file("neg.pt"));
  EXPECT_EQ(m->info().format, ModelFormat::TorchScript);
  EXPECT_EQ(m->info().normalization, Normalization::ZeroOne);
  EXPECT_EQ(m->info().input_size, 256);
  auto x = torch::rand({1, 3, 8, 8});
  EXPECT_TRUE(torch::equal(m->forward(x), -x));
}

TEST(TorchScript, WithoutRangeNeedsTheProperty) {
  TempDir dir;
  cartoonize::testing::write_script_model(dir.file("id.pt"), "x", "");
  expect_error([&] { load_image_model(dir.file("id.pt")); }, "declares no input range");
  auto m = load_image_model(dir.file("id.pt"), Normalization::MinusOneOne);
  EXPECT_EQ(m->info().normalization, Normalization::MinusOneOne);
}

TEST(TorchScript, WrongOutputShapeIsRefused) {
  TempDir dir;
  cartoonize::testing::write_script_model(dir.file("bad.pt"), "x[:, :1]", "normalization zero_one\n");
  expect_error([&] { load_image_model(dir.file("bad.pt")); }, "must keep the shape");
}

// The load-time probe is 64x64; a module may still change the shape of a
// real frame. The Engine must refuse that output, never pack it.
TEST(TorchScript, ShapeChangedOnARealFrameIsAnErrorNotARead) {
  TempDir dir;
  cartoonize::testing::write_script_model(dir.file("crop.pt"), "x[:, :, :64, :64]", "normalization zero_one\n");
  auto engine = Engine::create({dir.file("crop.pt"), DeviceChoice::Cpu, std::nullopt});
  std::vector<uint8_t> frame(size_t(96) * 80 * 3, 100);
  expect_error([&] { engine->cartoonize_frame({frame.data(), 96, 80, 96 * 3, PixelLayout::RGB}, 1.0f); },
               "must keep its input's shape");
  EXPECT_EQ(frame[0], 100) << "the frame must be left as it was";
  std::vector<uint8_t> crop(size_t(96) * 80 * 3, 100);
  expect_error([&] { engine->cartoonize_batch({{crop.data(), 96, 80, 96 * 3, PixelLayout::RGB}}); },
               "must keep its input's shape");
}

TEST(TorchScript, CorruptArchiveIsAnError) {
  TempDir dir;
  cartoonize::testing::write_script_model(dir.file("m.pt"), "x", "normalization zero_one\n");
  std::string b = cartoonize::testing::read_bytes(dir.file("m.pt"));
  cartoonize::testing::write_bytes(dir.file("m.pt"), b.substr(0, b.size() / 2));
  expect_error([&] { load_image_model(dir.file("m.pt")); }, "not a loadable TorchScript module");
}

// Found by tests/fuzz: LibTorch allocates a zip entry's declared size before
// reading it, so a 2 KB file declaring a 4 GB entry made it allocate 4 GB.
TEST(TorchScript, ForgedEntrySizeIsRefusedBeforeLoading) {
  TempDir dir;
  cartoonize::testing::write_script_model(dir.file("m.pt"), "x", "normalization zero_one\n");
  std::string b = cartoonize::testing::read_bytes(dir.file("m.pt"));
  const size_t entry = b.find("PK\x01\x02");  // first central directory header
  ASSERT_NE(entry, std::string::npos);
  const char forged[4] = {'\xf0', '\xff', '\xff', '\x7f'};  // uncompressed size ~2 GiB
  b.replace(entry + 24, 4, forged, 4);
  cartoonize::testing::write_bytes(dir.file("m.pt"), b);
  expect_error([&] { load_image_model(dir.file("m.pt")); }, "declares 2147483632 bytes");
  // The unforged archive passes the same check.
  cartoonize::testing::write_script_model(dir.file("ok.pt"), "x", "normalization zero_one\n");
  EXPECT_NO_THROW(check_zip_sizes(dir.file("ok.pt")));
}

// Found by tests/fuzz: LibTorch's unpickler reserves the length a string
// declares before reading it (a 2 KB file asked for 1.67 GB). The pickles are
// scanned first, so the message is ours and LibTorch never reads the file.
TEST(TorchScript, ForgedPickleStringLengthIsRefusedBeforeLoading) {
  TempDir dir;
  write_labelled_script_model(dir.file("m.pt"));
  EXPECT_NO_THROW(load_image_model(dir.file("m.pt")));  // deflated *.debug_pkl records included
  // An archive written by Python's torch.jit.save passes too.
  const std::string root = cartoonize::testing::env_or("CARTOONIZE_SOURCE_ROOT", ".");
  EXPECT_NO_THROW(check_pickle_records(root + "/tests/fuzz/corpus/negate.pt"));
  std::string zip = cartoonize::testing::read_bytes(dir.file("m.pt"));
  const StoredRecord rec = find_stored_record(zip, "/data.pkl");
  std::string pkl = zip.substr(rec.data, rec.size);
  const size_t key = pkl.find("cartoonize");  // the attribute's value, a BINUNICODE
  ASSERT_TRUE(key != std::string::npos && key >= 5 && pkl[key - 5] == 'X') << "unexpected data.pkl layout: " << ::testing::PrintToString(pkl);
  put_le32(pkl, key - 4, 1600000000u);
  rewrite_record(zip, rec, pkl);
  cartoonize::testing::write_bytes(dir.file("m.pt"), zip);
  expect_error([&] { load_image_model(dir.file("m.pt")); },
               "pickle data.pkl: BINUNICODE at byte " + std::to_string(key - 5) + ": declares 1600000000 bytes");
}

TEST(TorchScript, TruncatedPickleIsRefused) {
  TempDir dir;
  write_labelled_script_model(dir.file("m.pt"));
  std::string zip = cartoonize::testing::read_bytes(dir.file("m.pt"));
  const StoredRecord rec = find_stored_record(zip, "/data.pkl");
  std::string pkl = zip.substr(rec.data, rec.size);
  EXPECT_NO_THROW(scan_pickle(pkl.data(), pkl.size(), "data.pkl"));
  // Every proper prefix ends inside an argument or before STOP.
  for (size_t n = 0; n < pkl.size(); ++n)
    expect_error([&] { scan_pickle(pkl.data(), n, "data.pkl"); }, "pickle data.pkl: ");
  // In the archive: STOP overwritten (the record keeps its size, so the zip is intact).
  ASSERT_EQ(pkl.back(), '.');
  pkl.back() = 'N';
  rewrite_record(zip, rec, pkl);
  cartoonize::testing::write_bytes(dir.file("m.pt"), zip);
  expect_error([&] { load_image_model(dir.file("m.pt")); }, "no STOP opcode before the end (truncated)");
}

// LibTorch grows its memo table (16 bytes a slot) to the index a PUT names.
TEST(TorchScript, PickleMemoIndexAndUnknownOpcodesAreRefused) {
  const std::string huge_put("\x80\x02N" "r\xff\xff\xff\x7f" ".", 9);
  expect_error([&] { scan_pickle(huge_put.data(), huge_put.size(), "data.pkl"); }, "memo index 2147483647");
  const std::string unknown("\x80\x02\xff.", 4);
  expect_error([&] { scan_pickle(unknown.data(), unknown.size(), "data.pkl"); }, "unknown opcode 0xff");
  const std::string negative("\x80\x02T\xff\xff\xff\xff.", 8);
  expect_error([&] { scan_pickle(negative.data(), negative.size(), "data.pkl"); }, "negative length");
  const std::string frame("\x80\x04\x95\x02\x00\x00\x00\x00\x00\x00\x00N.", 13);
  EXPECT_NO_THROW(scan_pickle(frame.data(), frame.size(), "data.pkl"));  // a FRAME's contents are walked
  const std::string long_frame("\x80\x04\x95\x00\x00\x00\x00\x01\x00\x00\x00N.", 13);
  expect_error([&] { scan_pickle(long_frame.data(), long_frame.size(), "data.pkl"); }, "FRAME at byte 2");
}

// LibTorch builds a storage of the declared numel over its data record
// without comparing the two; a larger numel made tensors that read past the
// record (tried in Python on the same LibTorch: the weights came back as heap
// garbage). The scan compares them.
TEST(TorchScript, StorageLargerThanItsRecordIsRefused) {
  TempDir dir;
  torch::jit::Module m("TestModel");
  m.register_buffer("w", torch::ones({3, 3}));
  m.define("def forward(self, x):\n    return x\n");
  m.save(dir.file("m.pt"), {{"cartoonize.txt", "normalization zero_one\n"}});
  EXPECT_NO_THROW(load_image_model(dir.file("m.pt")));
  std::string zip = cartoonize::testing::read_bytes(dir.file("m.pt"));
  const StoredRecord rec = find_stored_record(zip, "/data.pkl");
  std::string pkl = zip.substr(rec.data, rec.size);
  const size_t numel = pkl.find(std::string("K\x09tQ", 4));  // BININT1 9, TUPLE, BINPERSID
  ASSERT_NE(numel, std::string::npos) << ::testing::PrintToString(pkl);
  pkl[numel + 1] = char(200);
  rewrite_record(zip, rec, pkl);
  cartoonize::testing::write_bytes(dir.file("m.pt"), zip);
  expect_error([&] { load_image_model(dir.file("m.pt")); },
               "declares 200 elements of 4 bytes, its record holds 36 bytes");
}

// Found by tests/fuzz once the pickles were bounded: a module whose code has a
// syntax error made LibTorch read its *.debug_pkl source ranges to highlight
// the error, and SourceRangeDeserializer crashed (an unchecked index) on a
// damaged one. Debug files are no longer loaded.
TEST(TorchScript, DamagedDebugInfoIsNeverRead) {
  const std::string root = cartoonize::testing::env_or("CARTOONIZE_SOURCE_ROOT", ".");
  expect_error([&] { load_image_model(root + "/tests/fuzz/corpus/debug-pkl-parse-error.pt"); },
               "not a loadable TorchScript module");
}

TEST(TorchScript, InputSizeOutOfRangeIsRefused) {
  TempDir dir;
  cartoonize::testing::write_script_model(dir.file("big.pt"), "x", "normalization zero_one\ninput_size 99999999999\n");
  expect_error([&] { load_image_model(dir.file("big.pt")); }, "input_size '99999999999' is not in 16..1024");
}

TEST(Engine, CudaWithoutGpuFailsCleanly) {
  if (cuda_available()) GTEST_SKIP() << "a CUDA device is present";
  TempDir dir;
  cartoonize::testing::write_random_model(dir.file("m.ctzm"), GeneratorConfig{8, 1});
  expect_error([&] { Engine::create({dir.file("m.ctzm"), DeviceChoice::Cuda, std::nullopt}); }, "device=cuda");
  auto e = Engine::create({dir.file("m.ctzm"), DeviceChoice::Auto, std::nullopt});
  EXPECT_EQ(e->device_name(), "cpu");
}

TEST(Engine, MatchesTheGeneratorOnTheSameFrame) {
  TempDir dir;
  Generator g = cartoonize::testing::write_random_model(dir.file("m.ctzm"), GeneratorConfig{8, 1});
  auto engine = Engine::create({dir.file("m.ctzm"), DeviceChoice::Cpu, std::nullopt});
  const int w = 37, h = 23;
  torch::manual_seed(5);
  auto rgb = torch::randint(0, 256, {h, w, 3}, torch::kUInt8);
  // BGRx frame with a padded stride, built independently of core's helpers.
  const int stride = w * 4 + 12;
  std::vector<uint8_t> frame(size_t(stride) * h, 0xAB);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c) frame[size_t(y) * stride + x * 4 + (2 - c)] = rgb[y][x][c].item<uint8_t>();
  engine->cartoonize_frame({frame.data(), w, h, stride, PixelLayout::BGRx}, 1.0f);

  torch::NoGradGuard ng;
  auto in = rgb.permute({2, 0, 1}).unsqueeze(0).to(torch::kFloat) / 127.5 - 1;
  auto want = ((g->forward(in) + 1) * 127.5).round().clamp(0, 255).squeeze(0).permute({1, 2, 0}).to(torch::kUInt8);
  int mismatches = 0;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      for (int c = 0; c < 3; ++c)
        mismatches += std::abs(int(frame[size_t(y) * stride + x * 4 + (2 - c)]) - int(want[y][x][c].item<uint8_t>())) > 1;
      EXPECT_EQ(frame[size_t(y) * stride + x * 4 + 3], 0xAB);  // x byte untouched
    }
  EXPECT_EQ(mismatches, 0);
  for (int y = 0; y < h; ++y)  // row padding untouched
    for (int x = w * 4; x < stride; ++x) ASSERT_EQ(frame[size_t(y) * stride + x], 0xAB);
}

TEST(Engine, StrengthBlendsLinearly) {
  TempDir dir;
  cartoonize::testing::write_random_model(dir.file("m.ctzm"), GeneratorConfig{8, 1});
  auto engine = Engine::create({dir.file("m.ctzm"), DeviceChoice::Cpu, std::nullopt});
  torch::manual_seed(6);
  auto base = torch::randint(0, 256, {16, 16, 3}, torch::kUInt8);
  auto run = [&](float s) {
    auto t = base.clone();
    engine->cartoonize_frame({t.data_ptr<uint8_t>(), 16, 16, 48, PixelLayout::RGB}, s);
    return t.to(torch::kFloat);
  };
  auto full = run(1.0f), half = run(0.5f), none = run(0.0f);
  EXPECT_TRUE(torch::equal(none, base.to(torch::kFloat)));
  auto expected = base.to(torch::kFloat) + 0.5 * (full - base.to(torch::kFloat));
  EXPECT_LE((half - expected).abs().max().item<float>(), 1.0f);
}
