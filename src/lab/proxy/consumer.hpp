// The proxy's consumer of remote -> proxy messages (channel "to_local"): one thread that
// applies each message exactly once to the ledger, a burst of them in one transaction
// (transport::process_batch):
//   status_update  -> the task's state and reason (a new reason in the same state too)
//   log_chunk      -> appended to the task's log (repeats dropped), waking log long-polls
//   task_completed -> final state, exit code and usage (accounting)
// Messages about unknown tasks or moves the state machine forbids (a task cancelled here
// before the remote's update arrived) are logged and dropped, never retried forever.
#pragma once

#include "context.hpp"

#include <lab/proto/messages.hpp>

#include <atomic>
#include <set>
#include <string>
#include <thread>

namespace lab::proxy {

// Applies one decoded message inside the open transaction `tx`. Adds to `touched` the task
// ids whose log or state changed (their log waiters are woken after the commit).
Result<void> apply_message(Context& ctx, const proto::Message& message, ledger::Db& tx, std::set<std::string>& touched);

class Consumer {
 public:
  // Takes `db`, the consumer thread's own connection. Starts the thread.
  Consumer(Context& ctx, std::unique_ptr<ledger::Db> db);
  // Stops and joins the thread (within about one receive wait).
  ~Consumer();
  void stop();

 private:
  void run();

  Context& ctx_;
  std::unique_ptr<ledger::Db> db_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace lab::proxy
