// The `lab worker` agent: one machine's share of a remote's pool. It connects outbound only,
// to the remote's /worker/v1 API (docs/worker-protocol.md): registers, leases tasks by
// long-poll, heartbeats while busy and while idle, and for each assignment downloads the
// task's files, runs the command with TaskRunner, streams the log, uploads the results and
// reports how it ended. What it does and why: docs/worker.md.
#pragma once

#include <lab/config/roles.hpp>
#include <lab/result.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace lab::worker {

// Timings a test shortens; the defaults are what a real pool uses.
struct Tuning {
  std::chrono::milliseconds lease_wait{25'000};      // how long one lease long-poll may wait (at most 30 s)
  std::chrono::milliseconds retry_first{1'000};      // first wait after the remote did not answer ...
  std::chrono::milliseconds retry_max{30'000};       // ... doubling up to this
  std::chrono::milliseconds grace{10'000};           // between TERM and KILL when a task is stopped
  std::chrono::milliseconds log_interval{100};       // how often buffered log lines are sent ...
  std::size_t log_batch_bytes = 64 * 1024;           // ... or sooner once this much is waiting
  std::chrono::milliseconds heartbeat_fallback{5'000};  // heartbeat period until the remote names one
  bool use_cgroups = true;                           // false: always rlimits (tests on shared hosts)
  // The lab binary that guards each task (sys::ProcessSpec::guard), so a worker killed with -9
  // takes its tasks with it. lab's own verbs set it; empty = no guard (other binaries).
  std::string task_guard;
};

struct Options {
  config::WorkerConfig config;  // remote URL, token, offered cpus/memory/gpus, slots, work_dir
  std::string name;             // how the remote knows this worker; empty = the host name
  // Receives the agent's own messages, one sentence each (never the token).
  // nullptr = "lab worker: <message>" lines on stderr. Called from the agent's threads.
  std::function<void(std::string_view)> log;
  Tuning tuning;
};

// A running agent. Destroying it stops it.
class Agent {
 public:
  virtual ~Agent() = default;
  // Stops leasing, stops the running tasks (TERM, then KILL after the grace period) without
  // reporting them, removes their folders, and deregisters so the remote requeues them at
  // once. Blocks until all of that is done. Idempotent; not from the agent's own log callback.
  virtual void stop() = 0;
};

// Checks the options (remote URL, token, work folder) and starts the agent's threads.
// Fails with Errc::invalid_argument for a malformed URL, a missing token or slots < 1, and
// Errc::io when the work folder cannot be created. An unreachable remote is not an error:
// the agent keeps retrying and says so through `log`.
Result<std::unique_ptr<Agent>> start(const Options& options);

}  // namespace lab::worker
