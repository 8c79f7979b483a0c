// Following a task's log: long-polls on X-Lab-Log-Offset until X-Lab-Log-Complete, and after a
// dropped connection asks again from the last offset it received, so every byte is handed on
// exactly once and in order.
#pragma once

#include <lab/client/proxy_client.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string_view>

namespace lab::client {

inline constexpr std::chrono::seconds kLogWait{25};
// Waits between attempts after a failure: 1 s, doubling to this cap.
inline constexpr std::chrono::milliseconds kMaxRetryPause{8000};
// Consecutive failed attempts before the follower gives up.
inline constexpr int kMaxLogRetries = 40;

struct FollowOptions {
  bool follow = true;                              // false: print what is there now and stop
  std::chrono::seconds wait = kLogWait;
  int max_retries = kMaxLogRetries;
  // Sleeps between retries (tests pass a no-op); nullptr = std::this_thread::sleep_for.
  std::function<void(std::chrono::milliseconds)> sleep;
  // Told about each failure that will be retried (e.g. to print "reconnecting...").
  std::function<void(const Error&)> on_retry;
};

// Hands the log of task `id` from byte `from` to `sink` as it arrives. Returns the offset after
// the last byte handed on; with `follow`, only once the log is complete. Connection failures
// (unavailable, timeout) are retried; anything else (401, 404) ends the follow at once.
Result<std::uint64_t> follow_logs(ProxyClient& client, const std::string& id, std::uint64_t from,
                                  const std::function<void(std::string_view)>& sink, const FollowOptions& options = {});

}  // namespace lab::client
