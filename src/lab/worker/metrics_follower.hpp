// Follows a running task's metrics file (remote::kMetricsFile, docs/metrics.md) and hands
// each whole new line to a callback, which ships it to the remote like the log.
// Private to src/lab/worker.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace lab::worker {

// Longest metrics line kept; a longer one is dropped whole (and said so once).
inline constexpr std::size_t kMaxMetricsLineBytes = 64 * 1024;

// Thread-safety: start() and stop() from the owner; `on_line` runs on the follower's thread
// (and, for the last read, on the thread calling stop()).
class MetricsFollower {
 public:
  // `on_line` receives lines ending in '\n'; `say` the follower's complaints.
  MetricsFollower(std::filesystem::path file, std::chrono::milliseconds interval,
                  std::function<void(std::string)> on_line, std::function<void(const std::string&)> say);
  ~MetricsFollower();

  // Reads what the file gains every `interval` until stop(). A missing file is not an error
  // (the task may never write one).
  void start();
  // Stops polling, then reads once more: a last line without '\n' counts as whole then.
  void stop();

 private:
  void read_new(bool final);

  const std::filesystem::path file_;
  const std::chrono::milliseconds interval_;
  std::function<void(std::string)> on_line_;
  std::function<void(const std::string&)> say_;
  std::uint64_t offset_ = 0;  // used by one thread at a time (the follower's, then stop()'s)
  std::string partial_;       // same
  bool warned_long_ = false;  // same
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace lab::worker
