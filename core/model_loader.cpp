#include "model_loader.h"

#include <system_error>

namespace cartoonize {

void ModelLoader::start(Job job) {
  stop();
  std::lock_guard<std::mutex> lock(mutex_);
  job_ = std::move(job);
  accepting_ = true;
  quit_ = false;
}

bool ModelLoader::request(const std::string& location) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!accepting_) return false;
  if (!thread_.joinable()) {
    try {
      thread_ = std::thread([this] { run(); });
    } catch (const std::system_error&) {
      return false;  // no thread to be had: the model stays as it is
    }
  }
  pending_ = location;
  wake_.notify_one();
  return true;
}

void ModelLoader::stop() {
  std::thread worker;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    accepting_ = false;
    quit_ = true;
    pending_.reset();
    worker = std::move(thread_);
    wake_.notify_one();
  }
  // Joined without the lock: the job may still be loading.
  if (worker.joinable()) worker.join();
}

void ModelLoader::run() {
  for (;;) {
    std::string location;
    Job job;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [this] { return quit_ || pending_.has_value(); });
      if (quit_) return;
      location = std::move(*pending_);
      pending_.reset();
      job = job_;
    }
    job(location);
  }
}

}  // namespace cartoonize
