// The `lab remote` role in one object, so that `lab remote` and `lab demo` start it the same
// way: it receives the proxy's messages, prepares task folders, runs tasks through the
// configured executor and reports back (docs/remote.md).
#pragma once

#include <lab/config/roles.hpp>
#include <lab/result.hpp>

#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace lab::sys {
class Clock;
}

namespace lab::remote {

struct Options {
  config::RemoteConfig config;
  std::function<void(std::string_view)> log;  // nullptr = standard error
  // Time for task timestamps and worker leases; nullptr = the real clock (tests pass a fake).
  // The transport always runs on real time.
  sys::Clock* clock = nullptr;
};

class Remote {
 public:
  virtual ~Remote() = default;
  // The mailbox URL the proxy connects to when this side listens ([transport] listen), else "".
  virtual std::string transport_url() const = 0;
  // The /worker/v1 server's base URL ("http://127.0.0.1:PORT"), or "" for executors without one.
  virtual std::string workers_url() const = 0;
  // Stops receiving, preparing and serving workers; waits for the threads. Idempotent.
  virtual void stop() = 0;
};

// Opens the ledger, storage and transport, starts the executor, resumes the tasks the ledger
// holds (after a restart) and starts receiving. Fails with a sentence naming what could not
// be opened or bound.
Result<std::unique_ptr<Remote>> start(const Options& options);

}  // namespace lab::remote
