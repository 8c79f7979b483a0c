// Running independent steps (one storage request each, say) on a few threads at once.
#pragma once

#include <lab/result.hpp>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace lab::util {

// Calls `step(i)` for every i in [0, n) on up to `threads` threads (the caller's among them),
// each thread taking the next index when it is done. After the first failure no new index is
// started; that failure is returned once the running steps have returned. `step` must be safe
// to call from several threads at once.
inline Result<void> parallel_for(std::size_t n, int threads, const std::function<Result<void>(std::size_t)>& step) {
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex mu;
  std::optional<Error> first;  // guarded by mu
  auto run = [&] {
    for (std::size_t i; !failed && (i = next++) < n;) {
      if (auto r = step(i); !r) {
        std::lock_guard lock(mu);
        if (!first) first = r.error();
        failed = true;
      }
    }
  };
  const std::size_t extra = std::min<std::size_t>(n, static_cast<std::size_t>(std::max(1, threads))) - (n ? 1 : 0);
  {
    std::vector<std::jthread> pool;
    pool.reserve(extra);
    for (std::size_t t = 0; t < extra; ++t) pool.emplace_back(run);
    run();
  }
  if (first) return std::unexpected(*first);
  return {};
}

}  // namespace lab::util
