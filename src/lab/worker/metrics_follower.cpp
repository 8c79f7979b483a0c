#include "metrics_follower.hpp"

#include <fstream>

namespace lab::worker {

MetricsFollower::MetricsFollower(std::filesystem::path file, std::chrono::milliseconds interval,
                                 std::function<void(std::string)> on_line, std::function<void(const std::string&)> say)
    : file_(std::move(file)), interval_(interval), on_line_(std::move(on_line)), say_(std::move(say)) {}

MetricsFollower::~MetricsFollower() { stop(); }

void MetricsFollower::start() {
  thread_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!stopping_) {
      lock.unlock();
      read_new(false);
      lock.lock();
      cv_.wait_for(lock, interval_, [this] { return stopping_; });
    }
  });
}

void MetricsFollower::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  read_new(true);
}

void MetricsFollower::read_new(bool final) {
  std::ifstream in(file_, std::ios::binary);
  if (!in) return;
  in.seekg(0, std::ios::end);
  const auto size = static_cast<std::uint64_t>(std::max<std::streamoff>(0, in.tellg()));
  if (size < offset_) offset_ = 0;  // the file was replaced: start over
  std::string chunk(size - offset_, '\0');
  in.seekg(static_cast<std::streamoff>(offset_));
  in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
  chunk.resize(static_cast<std::size_t>(in.gcount()));
  offset_ += chunk.size();
  partial_ += chunk;
  std::size_t start = 0;
  for (;;) {
    const std::size_t nl = partial_.find('\n', start);
    if (nl == std::string::npos) break;
    if (nl - start <= kMaxMetricsLineBytes) on_line_(partial_.substr(start, nl - start + 1));
    else if (!warned_long_ && say_) {
      say_("dropped a metrics line longer than " + std::to_string(kMaxMetricsLineBytes) + " bytes");
      warned_long_ = true;
    }
    start = nl + 1;
  }
  partial_.erase(0, start);
  if (partial_.size() > kMaxMetricsLineBytes) partial_.clear();  // one endless line: dropped
  if (final && !partial_.empty()) {
    on_line_(partial_ + "\n");
    partial_.clear();
  }
}

}  // namespace lab::worker
