// How the agent sorts the remote's answers and waits between tries. Private to src/lab/worker.
#pragma once

#include <lab/net/client.hpp>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>

namespace lab::worker {

// What a call's answer means for the caller.
enum class Answer {
  ok,          // 2xx
  gone,        // 409, or 404 for a task: this attempt is no longer ours; stop it
  unknown_worker,  // 404 {"error":{"code":"unknown_worker"}}: register again
  retry,       // no answer, or 5xx: the remote is down or busy; try again later
  refused,     // any other 4xx: trying again will not help
};

// Sorts a call's result. `worker_call` = the call names the worker (register, lease,
// heartbeat), where a 404 means "register again" rather than "task gone".
Answer classify(const Result<net::HttpResponse>& r, bool worker_call = false);

// One line saying why a call failed, for the log: the transport error, or "HTTP 500: <message>".
std::string describe(const Result<net::HttpResponse>& r);

// A flag another thread can raise to end every wait early. Thread-safe.
class Stopper {
 public:
  // Waits up to `d`; true if stop() was called (now or before).
  bool wait_for(std::chrono::milliseconds d) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, d, [&] { return stopped_; });
  }
  void stop() {
    std::lock_guard lock(mu_);
    stopped_ = true;
    cv_.notify_all();
  }
  bool stopped() const {
    std::lock_guard lock(mu_);
    return stopped_;
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopped_ = false;  // guarded by mu_
};

// Doubling waits between tries: first, 2*first, ... up to max; reset() after an answer.
// Not thread-safe: one per loop.
class Backoff {
 public:
  Backoff(std::chrono::milliseconds first, std::chrono::milliseconds max) : first_(first), max_(max), next_(first) {}
  // The wait before the next try; the one after it is twice as long.
  std::chrono::milliseconds next() {
    auto d = next_;
    next_ = std::min(max_, next_ * 2);
    return d;
  }
  void reset() { next_ = first_; }

 private:
  std::chrono::milliseconds first_, max_, next_;
};

// "2 s", "500 ms": a wait in words.
std::string say_wait(std::chrono::milliseconds d);

}  // namespace lab::worker
