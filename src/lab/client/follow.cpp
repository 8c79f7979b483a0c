#include <lab/client/follow.hpp>

#include <algorithm>
#include <thread>

namespace lab::client {

Result<std::uint64_t> follow_logs(ProxyClient& client, const std::string& id, std::uint64_t from,
                                  const std::function<void(std::string_view)>& sink, const FollowOptions& options) {
  std::uint64_t offset = from;
  int failures = 0;
  std::chrono::milliseconds pause{1000};
  while (true) {
    auto chunk = client.logs(id, offset, options.follow ? options.wait : std::chrono::seconds{0});
    if (!chunk) {
      const bool transient = chunk.error().code == Errc::unavailable || chunk.error().code == Errc::timeout;
      if (!transient || ++failures > options.max_retries) return std::unexpected(chunk.error());
      if (options.on_retry) options.on_retry(chunk.error());
      if (options.sleep) options.sleep(pause);
      else std::this_thread::sleep_for(pause);
      pause = std::min(pause * 2, kMaxRetryPause);
      continue;
    }
    failures = 0;
    pause = std::chrono::milliseconds{1000};
    if (!chunk->data.empty()) sink(chunk->data);
    offset = chunk->next_offset;
    if (chunk->complete || !options.follow) return offset;
  }
}

}  // namespace lab::client
