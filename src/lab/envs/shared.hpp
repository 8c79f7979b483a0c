// State a Builder shares with its leases (private to lab::envs).
#pragma once

#include <lab/envs/builder.hpp>

#include "build_steps.hpp"

#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace lab::envs {

namespace detail {

// One build in progress in this process, and everyone waiting for it.
struct InFlight {
  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::string> backlog;  // guarded by mu: lines so far, replayed to late joiners
  std::vector<BuildLog> sinks;      // guarded by mu
  bool done = false;                // guarded by mu
  Result<void> result;              // guarded by mu; valid once done
};

constexpr std::size_t kMaxBacklog = 20'000;  // lines kept for late joiners

}  // namespace detail

// What a Builder shares with its leases, which may outlive it.
struct Shared {
  std::filesystem::path envs;
  sys::Clock* clock = nullptr;
  mutable std::mutex mu;
  std::map<std::string, int> pins;                                      // guarded by mu: leases per key
  std::map<std::string, std::shared_ptr<detail::InFlight>, std::less<>> building;  // guarded by mu
  std::map<std::string, int, std::less<>> waiting;                      // guarded by mu: ensure() calls per build
  std::map<std::string, detail::Interpreter> pythons;                   // guarded by mu: resolved versions
  BuilderStats stats;                                                   // guarded by mu
};

}  // namespace lab::envs
