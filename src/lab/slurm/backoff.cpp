#include <lab/slurm/backoff.hpp>

#include <algorithm>

namespace lab::slurm {

void ControllerBackoff::succeeded() {
  std::lock_guard lock(mu_);
  failures_ = 0;
  next_ms_ = 0;
}

void ControllerBackoff::failed(std::int64_t now_ms) {
  std::lock_guard lock(mu_);
  std::int64_t wait = kBackoffFirstMs;
  for (int i = 0; i < failures_ && wait < kBackoffMaxMs; ++i) wait *= kBackoffFactor;
  ++failures_;
  next_ms_ = now_ms + std::min(wait, kBackoffMaxMs);
}

bool ControllerBackoff::may_try(std::int64_t now_ms) const {
  std::lock_guard lock(mu_);
  return failures_ == 0 || now_ms >= next_ms_;
}

bool ControllerBackoff::down() const {
  std::lock_guard lock(mu_);
  return failures_ > 0;
}

int ControllerBackoff::failures() const {
  std::lock_guard lock(mu_);
  return failures_;
}

std::int64_t ControllerBackoff::next_try_ms() const {
  std::lock_guard lock(mu_);
  return next_ms_;
}

}  // namespace lab::slurm
