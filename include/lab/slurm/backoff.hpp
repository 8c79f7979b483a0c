// Backoff for a Slurm controller that does not answer: after each failed command the next
// try waits longer (1 s, 2 s, 4 s ... up to a minute); one answer resets it. While it is
// down, tasks wait with the reason `kSchedulerDown` ("cluster scheduler not responding").
#pragma once

#include <cstdint>
#include <mutex>

namespace lab::slurm {

// First wait after a failure, growth factor and ceiling.
inline constexpr std::int64_t kBackoffFirstMs = 1'000;
inline constexpr std::int64_t kBackoffFactor = 2;
inline constexpr std::int64_t kBackoffMaxMs = 60'000;

// Tracks whether the controller answers and when to try it next. Times are steady-clock
// milliseconds (lab::sys::Clock::steady_ms). Thread-safe; `mu_` guards every field.
class ControllerBackoff {
 public:
  // The controller answered: no wait before the next command.
  void succeeded();
  // A command timed out or could not reach the controller at `now_ms`.
  void failed(std::int64_t now_ms);
  // True when a command may be tried at `now_ms` (always when the controller is up).
  bool may_try(std::int64_t now_ms) const;
  // True between a failure and the next answer.
  bool down() const;
  // Failures in a row since the last answer.
  int failures() const;
  // When the next try may happen (0 when up).
  std::int64_t next_try_ms() const;

 private:
  mutable std::mutex mu_;
  int failures_ = 0;         // guarded by mu_
  std::int64_t next_ms_ = 0; // guarded by mu_
};

}  // namespace lab::slurm
