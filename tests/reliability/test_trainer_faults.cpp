// cartoonize-train under faults, run as the user runs it (the installed
// binary, in a child process): a full disk, unreadable images, a diverging
// loss, SIGKILL at any moment. Each must end with a clear message and a run
// folder whose last checkpoint loads and resumes.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "checkpoint.h"
#include "image_folder.h"
#include "model_fixtures.h"
#include "test_support.h"

namespace fs = std::filesystem;
using namespace cartoonize;
using namespace cartoonize::train;
using cartoonize::testing::read_bytes;
using cartoonize::testing::shared_data;
using cartoonize::testing::TempDir;

extern char** environ;

namespace {

std::string trainer_binary() {
  return cartoonize::testing::env_or("CARTOONIZE_BUILD_ROOT", "build") + "/trainer/cartoonize-train";
}

// Starts `cartoonize-train ARGS` with stdout and stderr into `log`.
pid_t spawn_trainer(const std::vector<std::string>& args, const std::string& log) {
  std::vector<std::string> all = {trainer_binary()};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  pid_t pid = -1;
  int err = posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (err != 0) throw std::runtime_error("cannot start " + all[0] + ": " + std::strerror(err));
  return pid;
}

// Runs it to the end; returns the exit status (-signal when killed).
int run_trainer(const std::vector<std::string>& args, const std::string& log) {
  pid_t pid = spawn_trainer(args, log);
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

// A tiny, fast configuration of `pretrain` on the data folder `data`.
std::vector<std::string> pretrain_args(const std::string& data, const std::string& run, int64_t total,
                                       std::vector<std::string> extra = {}) {
  std::vector<std::string> a = {"pretrain", "--data", data, "--run", run, "--total-iter", std::to_string(total),
                                "--batch", "2", "--size", "32", "--width", "8", "--res-blocks", "1",
                                "--w-content", "0", "--threads", "1", "--save-every", "1"};
  a.insert(a.end(), extra.begin(), extra.end());
  return a;
}

// Four real photos from the shared data.
std::string photo_folder_in(const TempDir& dir) {
  const std::string photos = dir.file("photos");
  fs::create_directories(photos);
  auto files = list_images({shared_data("faces")});
  for (int i = 0; i < 4; ++i) fs::copy_file(files.at(size_t(i) * 11), photos + "/" + std::to_string(i) + ".jpg");
  return photos;
}

CheckpointState checkpoint_state(const std::string& path) {
  Generator g(checkpoint_generator_config(path));
  return load_checkpoint(path, {g, {}, {}});
}

int temp_files_beside(const std::string& path) {
  int n = 0;
  for (const auto& e : fs::directory_iterator(fs::path(path).parent_path()))
    n += e.path().filename().string().rfind(fs::path(path).filename().string() + ".tmp.", 0) == 0;
  return n;
}

// A size-limited tmpfs mounted over a fresh folder; unmounted when it dies.
class SmallDisk {
 public:
  SmallDisk(const std::string& dir, const std::string& size) : dir_(dir) {
    fs::create_directories(dir_);
    mounted_ = ::mount("tmpfs", dir_.c_str(), "tmpfs", 0, ("size=" + size).c_str()) == 0;
    if (!mounted_) error_ = std::strerror(errno);
  }
  ~SmallDisk() {
    if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }
  const std::string& error() const { return error_; }
  // Writes a file until the disk is full.
  void fill(const std::string& name) const {
    int fd = ::open((dir_ + "/" + name).c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ASSERT_GE(fd, 0);
    std::vector<char> block(1 << 16, 'x');
    while (::write(fd, block.data(), block.size()) > 0) {
    }
    EXPECT_EQ(errno, ENOSPC);
    ::close(fd);
  }

 private:
  std::string dir_, error_;
  bool mounted_ = false;
};

}  // namespace

TEST(TrainerFaults, FullDiskFailsClearlyAndKeepsTheLastCheckpoint) {
  TempDir dir;
  SmallDisk disk(dir.file("disk"), "16m");
  if (!disk.mounted()) GTEST_SKIP() << "cannot mount a small tmpfs to fill (needs root): " << disk.error();
  const std::string data = photo_folder_in(dir), run = dir.file("disk/run"), ckpt = run + "/pretrain.ckpt";
  ASSERT_EQ(run_trainer(pretrain_args(data, run, 2), dir.file("first.log")), 0) << read_bytes(dir.file("first.log"));
  const std::string before = read_bytes(ckpt);

  disk.fill("filler");
  EXPECT_EQ(run_trainer(pretrain_args(data, run, 4, {"--resume"}), dir.file("full.log")), 1);
  const std::string log = read_bytes(dir.file("full.log"));
  EXPECT_NE(log.find("No space left on device"), std::string::npos) << log;
  EXPECT_NE(log.find(ckpt), std::string::npos) << "the message names the file: " << log;
  EXPECT_EQ(read_bytes(ckpt), before) << "the last checkpoint was changed";
  EXPECT_EQ(temp_files_beside(ckpt), 0) << "a failed write leaves its temporary file behind";
  EXPECT_EQ(checkpoint_state(ckpt).iteration, 2);

  // Space again: the same command resumes from it.
  fs::remove(dir.file("disk/filler"));
  ASSERT_EQ(run_trainer(pretrain_args(data, run, 4, {"--resume"}), dir.file("again.log")), 0)
      << read_bytes(dir.file("again.log"));
  EXPECT_EQ(checkpoint_state(ckpt).iteration, 4);
}

TEST(TrainerFaults, CorruptImagesAreSkippedAndCountedNotFatal) {
  TempDir dir;
  const std::string data = photo_folder_in(dir);
  std::ofstream(data + "/broken.jpg") << "not a jpeg";
  std::ofstream(data + "/empty.png");
  const std::string real = read_bytes(list_images({shared_data("faces")}).at(0));
  cartoonize::testing::write_bytes(data + "/header-only.jpg", real.substr(0, 200));
  ASSERT_EQ(run_trainer(pretrain_args(data, dir.file("run"), 6), dir.file("log")), 0) << read_bytes(dir.file("log"));
  const std::string log = read_bytes(dir.file("log"));
  EXPECT_NE(log.find("7 images"), std::string::npos) << log;  // listed, then skipped when read
  EXPECT_NE(log.find("unreadable images"), std::string::npos) << log;
  EXPECT_EQ(checkpoint_state(dir.file("run/pretrain.ckpt")).iteration, 6);
}

TEST(TrainerFaults, AFolderOfOnlyBrokenImagesIsAnErrorNotAHang) {
  TempDir dir;
  fs::create_directories(dir.file("bad"));
  for (int i = 0; i < 3; ++i) std::ofstream(dir.file("bad/" + std::to_string(i) + ".png")) << "garbage " << i;
  EXPECT_EQ(run_trainer(pretrain_args(dir.file("bad"), dir.file("run"), 2), dir.file("log")), 1);
  const std::string log = read_bytes(dir.file("log"));
  EXPECT_NE(log.find("unreadable"), std::string::npos) << log;
  EXPECT_FALSE(fs::exists(dir.file("run/pretrain.ckpt")));
}

// A learning rate of 1e30 really diverges (weights ~1e30 after the first
// Adam step, activations overflow in the next forward pass): an honest
// non-finite loss, no injected NaN.
TEST(TrainerFaults, ADivergingLossStopsAndKeepsTheLastGoodCheckpoint) {
  TempDir dir;
  const std::string data = photo_folder_in(dir), run = dir.file("run"), ckpt = run + "/pretrain.ckpt";
  EXPECT_EQ(run_trainer(pretrain_args(data, run, 50, {"--lr", "1e30"}), dir.file("nan.log")), 1);
  const std::string log = read_bytes(dir.file("nan.log"));
  EXPECT_NE(log.find("became"), std::string::npos) << log;
  EXPECT_NE(log.find("last good checkpoint " + ckpt + " kept"), std::string::npos) << log;
  // The checkpoint is the one saved after the last finite loss, and it loads
  // with finite weights; the loss table ends at that step too.
  Generator g(checkpoint_generator_config(ckpt));
  const CheckpointState s = load_checkpoint(ckpt, {g, {}, {}});
  EXPECT_GE(s.iteration, 1);
  for (const auto& p : g->parameters()) EXPECT_TRUE(torch::isfinite(p).all().item<bool>());
  const std::string csv = read_bytes(run + "/pretrain-losses.csv");
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), s.iteration + 1) << csv;  // header + one row per good step
  EXPECT_EQ(csv.find("nan"), std::string::npos) << csv;
  EXPECT_EQ(csv.find("inf"), std::string::npos) << csv;
}

// SIGKILL at varying moments while the trainer saves after every step (the
// default-sized generator, so a good share of the kills land inside a
// checkpoint write); every time, the checkpoint loads and --resume goes on.
TEST(TrainerFaults, SigkillAtAnyMomentThenResumeContinues) {
  TempDir dir;
  const std::string data = photo_folder_in(dir), run = dir.file("run"), ckpt = run + "/pretrain.ckpt";
  auto args = [&](int64_t total, bool resume) {
    auto a = pretrain_args(data, run, total, {"--width", "32", "--res-blocks", "4"});
    if (resume) a.push_back("--resume");
    return a;
  };
  int64_t last = 0;
  int left_temp_files = 0;
  for (int attempt = 0; attempt < 4; ++attempt) {
    const auto before = fs::exists(ckpt) ? fs::last_write_time(ckpt) : fs::file_time_type{};
    pid_t pid = spawn_trainer(args(100000, attempt > 0), dir.file("kill.log"));
    // Wait for this process's first checkpoint (bounded, so a stuck trainer
    // fails the test instead of hanging it), then a varying moment more.
    for (int i = 0; i < 600 && (!fs::exists(ckpt) || fs::last_write_time(ckpt) == before); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::this_thread::sleep_for(std::chrono::milliseconds(30 + 90 * attempt));
    ASSERT_EQ(kill(pid, SIGKILL), 0);
    int status = 0;
    waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "the trainer ended before the kill: " << read_bytes(dir.file("kill.log"));
    ASSERT_TRUE(fs::exists(ckpt)) << read_bytes(dir.file("kill.log"));
    CheckpointState s;
    ASSERT_NO_THROW(s = checkpoint_state(ckpt)) << "attempt " << attempt;
    EXPECT_GE(s.iteration, last) << "attempt " << attempt;
    last = s.iteration;
    left_temp_files = temp_files_beside(ckpt);
  }
  std::printf("last checkpoint at iteration %lld; %d temporary file(s) from killed writes in the run folder\n",
              (long long)last, left_temp_files);
  ASSERT_EQ(run_trainer(args(last + 2, true), dir.file("resume.log")), 0) << read_bytes(dir.file("resume.log"));
  EXPECT_NE(read_bytes(dir.file("resume.log")).find("resumed"), std::string::npos);
  EXPECT_EQ(checkpoint_state(ckpt).iteration, last + 2);
  EXPECT_EQ(temp_files_beside(ckpt), 0) << "the next good write removes what killed writes left";
}

// A checkpoint restores the optimiser's learning rate; an --lr given with
// --resume must still win. 1e30 diverges at once, so the effect is visible.
TEST(TrainerFaults, LearningRateGivenOnResumeIsApplied) {
  TempDir dir;
  const std::string data = photo_folder_in(dir), run = dir.file("run");
  ASSERT_EQ(run_trainer(pretrain_args(data, run, 2), dir.file("first.log")), 0) << read_bytes(dir.file("first.log"));
  EXPECT_EQ(run_trainer(pretrain_args(data, run, 20, {"--resume", "--lr", "1e30"}), dir.file("resume.log")), 1);
  EXPECT_NE(read_bytes(dir.file("resume.log")).find("became"), std::string::npos) << read_bytes(dir.file("resume.log"));
}

// Bad option values, as a user types them, against the real binary: each is
// refused with exit status 1 and one line that names the option and its
// range; no abort (SIGABRT from an escaped exception), no LibTorch backtrace.
TEST(TrainerFaults, BadOptionValuesEndWithOneLineNotAnAbort) {
  TempDir dir;
  const std::string faces = shared_data("faces");
  const std::vector<std::vector<std::string>> runs = {
      {"pretrain", "--data", faces, "--batch", "0"},
      {"train", "--data", faces, "--batch", "-1"},
      {"distill", "--data", faces, "--batch", "0"},
      {"pretrain", "--data", faces, "--size", "0"},
      {"train", "--data", faces, "--size", "100000"},
      {"pretrain", "--data", faces, "--total-iter", "-5"},
      {"pretrain", "--data", faces, "--width", "0"},
      {"distill", "--data", faces, "--res-blocks", "-1"},
      {"pretrain", "--data", faces, "--lr", "nan"},
      {"pretrain", "--data", faces, "--threads", "0"},
      {"bench", "--data", faces, "--batches", "0"},
      {"export", "--out", dir.file("m.ctzm"), "--size", "0"},
      {"prepare", "--photos", faces, "--cartoons", faces, "--out", dir.file("d"), "--size", "0"},
      {"pack", "--images", faces, "--out", dir.file("p.ctzp"), "--size", "100000"},
      {"eval", "--detect-interval", "0"},
      {"test", "--data", dir.file("d"), "--batch", "0"},
  };
  for (const auto& args : runs) {
    const std::string log = dir.file("log"), option = args[args.size() - 2];
    fs::remove(log);
    EXPECT_EQ(run_trainer(args, log), 1) << args[0] << " " << option << " " << args.back();
    const std::string out = read_bytes(log);
    EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
    EXPECT_EQ(out.rfind("cartoonize-train " + args[0] + ": " + option + " must be", 0), 0u) << out;
    EXPECT_EQ(out.find("frame #"), std::string::npos) << out;
  }
  EXPECT_FALSE(fs::exists(dir.file("d")));
  EXPECT_FALSE(fs::exists(dir.file("m.ctzm")));
}

// The skipped-image count is of distinct files, however often the sampler
// meets them (3 broken files among 7, met many times over 40 steps).
TEST(TrainerFaults, UnreadableImagesAreCountedOncePerFile) {
  TempDir dir;
  const std::string data = photo_folder_in(dir);
  std::ofstream(data + "/broken.jpg") << "not a jpeg";
  std::ofstream(data + "/empty.png");
  const std::string real = read_bytes(list_images({shared_data("faces")}).at(0));
  cartoonize::testing::write_bytes(data + "/cut.jpg", real.substr(0, real.size() / 2));
  ASSERT_EQ(run_trainer(pretrain_args(data, dir.file("run"), 40), dir.file("log")), 0) << read_bytes(dir.file("log"));
  const std::string log = read_bytes(dir.file("log"));
  EXPECT_NE(log.find("skipped 3 unreadable images"), std::string::npos) << log;
  EXPECT_EQ(log.find("Premature end of JPEG"), std::string::npos) << "the cut JPEG was decoded: " << log;
}
