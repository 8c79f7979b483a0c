#include "sign_in_guard.hpp"

#include <algorithm>

namespace lab::proxy {
namespace {

// Above this many remembered keys, keys with no failure left in the window are dropped.
constexpr std::size_t kPruneAbove = 10'000;

std::string pair_key(const std::string& name, const std::string& address) { return name + '\n' + address; }

}  // namespace

SignInGuard::SignInGuard(int max_failures, std::int64_t window_ms)
    : max_pair_(static_cast<std::size_t>(std::max(1, max_failures))),
      max_address_(10 * max_pair_),
      window_ms_(window_ms) {}

std::int64_t SignInGuard::wait_for(Times& t, std::size_t limit, std::int64_t now_ms) const {
  while (!t.empty() && t.front() <= now_ms - window_ms_) t.pop_front();
  if (t.size() < limit) return 0;
  return t.front() + window_ms_ - now_ms;  // the oldest counted failure leaves the window
}

std::int64_t SignInGuard::retry_after_ms(const std::string& name, const std::string& address, std::int64_t now_ms) {
  std::lock_guard lock(mu_);
  std::int64_t wait = 0;
  if (auto it = by_pair_.find(pair_key(name, address)); it != by_pair_.end())
    wait = std::max(wait, wait_for(it->second, max_pair_, now_ms));
  if (auto it = by_address_.find(address); it != by_address_.end())
    wait = std::max(wait, wait_for(it->second, max_address_, now_ms));
  return wait;
}

void SignInGuard::failed(const std::string& name, const std::string& address, std::int64_t now_ms) {
  std::lock_guard lock(mu_);
  by_pair_[pair_key(name, address)].push_back(now_ms);
  by_address_[address].push_back(now_ms);
  if (by_pair_.size() + by_address_.size() > kPruneAbove) prune(now_ms);
}

void SignInGuard::succeeded(const std::string& name, const std::string& address) {
  std::lock_guard lock(mu_);
  by_pair_.erase(pair_key(name, address));
}

void SignInGuard::prune(std::int64_t now_ms) {
  for (auto* m : {&by_pair_, &by_address_})
    std::erase_if(*m, [&](auto& kv) { return kv.second.empty() || kv.second.back() <= now_ms - window_ms_; });
}

}  // namespace lab::proxy
