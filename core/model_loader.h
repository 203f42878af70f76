// A worker thread that loads models for a running element while frames keep
// flowing through the old one. Requests are coalesced: only the newest
// location waiting is loaded. No GStreamer here (the element uses two: model
// swaps and the face models).
#pragma once
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace cartoonize {

class ModelLoader {
 public:
  // Runs on the worker thread, one location at a time.
  using Job = std::function<void(const std::string& location)>;

  ModelLoader() = default;
  ~ModelLoader() { stop(); }
  ModelLoader(const ModelLoader&) = delete;
  ModelLoader& operator=(const ModelLoader&) = delete;

  // Accepts requests from now on (the thread starts with the first one).
  void start(Job job);
  // Queues `location`, replacing any request not yet started. Ignored (false)
  // when not started or when no thread can be created. Never throws.
  bool request(const std::string& location);
  // Drops the waiting request, waits for a running job to end, joins the
  // thread. Must not be called from the job itself.
  void stop();

 private:
  void run();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::thread thread_;
  Job job_;
  std::optional<std::string> pending_;
  bool accepting_ = false;
  bool quit_ = false;
};

}  // namespace cartoonize
