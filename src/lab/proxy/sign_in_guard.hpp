// Slows password guessing at sign-in (private to lab::proxy). After `max_failures` failed
// sign-ins for one account name from one client address within `window_ms`, or 10× that many
// from one address over all names, further sign-ins from there are refused — before any
// password is checked — until the oldest failure leaves the window. Refused attempts are not
// counted, so a locked name opens again one window after its last counted failure. A right
// password forgets that name's failures from that address. Other addresses are never locked
// out by someone else's failures for a name, unless they share the address (a campus NAT
// gets the 10× allowance). In memory only: a restart forgets, and the slow password hash
// still bounds guessing. Thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>

namespace lab::proxy {

class SignInGuard {
 public:
  SignInGuard(int max_failures, std::int64_t window_ms);

  // 0 when `name` may try to sign in from `address` at `now_ms`; else the ms to wait.
  std::int64_t retry_after_ms(const std::string& name, const std::string& address, std::int64_t now_ms);
  void failed(const std::string& name, const std::string& address, std::int64_t now_ms);
  void succeeded(const std::string& name, const std::string& address);

 private:
  using Times = std::deque<std::int64_t>;
  std::int64_t wait_for(Times& t, std::size_t limit, std::int64_t now_ms) const;
  void prune(std::int64_t now_ms);

  const std::size_t max_pair_;
  const std::size_t max_address_;
  const std::int64_t window_ms_;
  std::mutex mu_;
  std::map<std::string, Times> by_pair_;     // name + '\n' + address
  std::map<std::string, Times> by_address_;
};

}  // namespace lab::proxy
