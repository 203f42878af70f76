// libFuzzer target: any byte string as a model file. The file goes through
// Engine::create (load_image_model: a zip is TorchScript, anything else a
// .ctzm) and, when it loads, one small frame through the model. The contract
// under test: bad input throws cartoonize::Error and nothing else; no crash,
// no sanitizer report, no allocation beyond what the file's size justifies
// (libFuzzer's -rss_limit_mb / -malloc_limit_mb catch that).
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "engine.h"
#include "error.h"

namespace {

// One in-memory file reused for every input: no disk traffic, and the
// loader still sees a regular file path.
const std::string& memfd_path(int& fd) {
  static std::string path;
  if (path.empty()) {
    fd = memfd_create("fuzz-model", 0);
    if (fd < 0) {
      std::perror("memfd_create");
      std::abort();
    }
    path = "/proc/self/fd/" + std::to_string(fd);
  }
  return path;
}

void write_all(int fd, const uint8_t* data, size_t size) {
  if (ftruncate(fd, 0) != 0) std::abort();
  size_t done = 0;
  while (done < size) {
    ssize_t n = pwrite(fd, data + done, size - done, off_t(done));
    if (n <= 0) std::abort();
    done += size_t(n);
  }
}

}  // namespace

// FUZZ_MODEL_FORMAT=native|torchscript keeps one run on one path: .ctzm
// loading is fuzzed with a tight allocation limit (its allocations are
// bounded by the file size), TorchScript with a limit on resident memory only
// (the archive's lengths are checked, but a module's code may allocate when
// it runs; see docs/reliability.md). Unset: both.
enum class Only { Any, Native, TorchScript };
static Only only = Only::Any;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  cartoonize::set_cpu_threads(1);  // deterministic and cheap per input
  const char* f = std::getenv("FUZZ_MODEL_FORMAT");
  const std::string format = f ? f : "";
  if (format == "native") only = Only::Native;
  if (format == "torchscript") only = Only::TorchScript;
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const bool zip = size >= 4 && data[0] == 'P' && data[1] == 'K' && data[2] == 3 && data[3] == 4;
  if ((only == Only::Native && zip) || (only == Only::TorchScript && !zip)) return -1;  // not for this run's corpus
  static int fd = -1;
  const std::string& path = memfd_path(fd);
  write_all(fd, data, size);
  try {
    auto engine = cartoonize::Engine::create({path, cartoonize::DeviceChoice::Cpu, std::nullopt});
    std::vector<uint8_t> pixels(16 * 12 * 3, 128);
    cartoonize::ImageView view{pixels.data(), 16, 12, 16 * 3, cartoonize::PixelLayout::RGB};
    engine->cartoonize_frame(view, 1.f);
  } catch (const cartoonize::Error&) {
    // The documented outcome for a bad model: a message, no crash.
  }
  return 0;
}
