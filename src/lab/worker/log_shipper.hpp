// Sends one attempt's log to the remote in batches: every `interval`, or sooner once
// `batch_bytes` are waiting. Each batch is whole lines and carries its byte offset in the
// attempt's log; a batch whose post fails is sent again unchanged (same offset, same bytes),
// so the remote can drop repeats. Private to src/lab/worker.
#pragma once

#include "calls.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace lab::worker {

// Posts one batch; returns the HTTP answer or the transport failure.
using PostBatch = std::function<Result<net::HttpResponse>(std::uint64_t offset, const std::string& data)>;

struct ShipperOptions {
  std::chrono::milliseconds interval{100};
  std::size_t batch_bytes = 64 * 1024;
  std::chrono::milliseconds retry_first{1000};
  std::chrono::milliseconds retry_max{30000};
  // Lines beyond this many unsent bytes are dropped (and the drop noted in the log) so a
  // long outage cannot exhaust memory.
  std::size_t max_pending_bytes = 64u << 20;
};

// Thread-safety: add() and abandon() from any thread; start() and finish() from the owner.
class LogShipper {
 public:
  // `on_gone` runs (on the shipper's thread) when the remote answers 409/404: the attempt is
  // no longer ours. `say` receives the shipper's own complaints for the agent log.
  LogShipper(PostBatch post, ShipperOptions options, std::function<void()> on_gone,
             std::function<void(const std::string&)> say);
  ~LogShipper();

  // Queues one line (ending in '\n'); bytes that are not UTF-8 become U+FFFD first, so the
  // offsets count the bytes the remote receives.
  void add(std::string line);
  // Starts sending what is queued and what comes later, on the shipper's thread. `opening`,
  // when given, runs there first (e.g. the `started` call, so it never blocks the caller);
  // returning false ends the shipper as if the attempt were gone. Later calls do nothing.
  void start(std::function<bool()> opening = nullptr);
  // Sends everything queued so far and stops. Returns false if the remote said the attempt
  // is gone, or abandon() was called.
  bool finish();
  // Stops sending at once, without the rest (the worker is stopping); does not wait for the
  // shipper's thread (finish() and the destructor do).
  void abandon();

  std::uint64_t sent_bytes() const;

 private:
  void run(const std::function<bool()>& opening);
  // Cuts the next batch off the front of pending_: whole lines, at most batch_bytes unless
  // one line alone is longer.
  std::string take_batch();  // REQUIRES: mu_ held

  PostBatch post_;
  ShipperOptions options_;
  std::function<void()> on_gone_;
  std::function<void(const std::string&)> say_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::string pending_;             // guarded by mu_
  std::uint64_t dropped_ = 0;       // guarded by mu_: bytes dropped since the last note
  std::uint64_t offset_ = 0;        // guarded by mu_: bytes the remote has taken
  bool finishing_ = false;          // guarded by mu_
  bool abandoned_ = false;          // guarded by mu_
  bool gone_ = false;               // guarded by mu_
  std::thread thread_;
};

// `text` with every byte that is not part of valid UTF-8 replaced by U+FFFD.
std::string sanitize_utf8(std::string_view text);

}  // namespace lab::worker
