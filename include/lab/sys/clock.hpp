// Time behind an interface, so tests can make time jump (leases, timeouts, backoff).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

namespace lab::sys {

// Thread-safe. `now_ms` is wall-clock (Unix epoch, for timestamps people read);
// `steady_ms` only ever moves forward (for timeouts and durations).
class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::int64_t now_ms() const = 0;
  virtual std::int64_t steady_ms() const = 0;
  // Blocks the calling thread for `ms` (a fake clock advances instead).
  virtual void sleep_ms(std::int64_t ms) = 0;
};

// The process-wide real clock. Never null; lives as long as the program.
Clock& real_clock();

// A clock that moves only when told. Thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(std::int64_t start_ms = 1'700'000'000'000) : now_(start_ms), steady_(0) {}
  std::int64_t now_ms() const override;
  std::int64_t steady_ms() const override;
  void sleep_ms(std::int64_t ms) override { advance_ms(ms); }
  void advance_ms(std::int64_t ms);

 private:
  mutable std::mutex mu_;
  std::int64_t now_;     // guarded by mu_
  std::int64_t steady_;  // guarded by mu_
};

// ISO-8601 UTC with milliseconds: "2026-11-22T04:39:08.123Z".
std::string format_utc_ms(std::int64_t epoch_ms);

}  // namespace lab::sys
