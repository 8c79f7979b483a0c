// The worker pool's state: registered workers, the tasks handed to the pool and where each
// stands (queued, assigned to a worker, running), placement through PoolScheduler, and the
// rules of docs/worker-protocol.md (current attempts, lost workers, cancel lists). No HTTP
// here: worker_routes.cpp turns requests into these calls.
//
// Thread-safety: every method may be called from any thread. One mutex guards everything;
// sink calls are made while holding it, so the sink sees each task's events in order.
#pragma once

#include <lab/ledger/db.hpp>
#include <lab/remote/executor.hpp>
#include <lab/remote/pool_scheduler.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace lab::remote {

// The longest a lease long-poll waits.
inline constexpr std::chrono::milliseconds kMaxLeaseWait{30000};

struct PoolOptions {
  std::int64_t lease_timeout_ms = 60'000;
  std::int64_t heartbeat_ms = 10'000;
  int max_requeues = 2;
  // The storage keys of a task's results, for a task that finishes without the pool having
  // seen its upload (e.g. uploaded before a restart). nullptr = none.
  std::function<std::vector<std::string>(const std::string& task_id)> stored_results;
  // Where workers get Python packages and how they build environments, sent in every
  // assignment as "environments" (remote.toml [environments]; docs/worker-protocol.md).
  nlohmann::json environments = nlohmann::json::object();
};

// What a worker says about itself when it registers.
struct WorkerInfo {
  std::string name, hostname, version;
  int cpus = 1;
  std::uint64_t memory_bytes = 0;
  std::vector<int> gpus;
  int slots = 1;
};

// Reads a register body; Errc::invalid_argument naming the field.
Result<WorkerInfo> worker_info_from_json(const nlohmann::json& j);
nlohmann::json to_json(const WorkerInfo& info);

// What a worker reports when an attempt ends.
struct FinishReport {
  std::optional<std::int64_t> exit_code;
  std::optional<int> signal;
  std::string reason;
  double cpu_seconds = 0, wall_seconds = 0;
};

class Pool {
 public:
  // `db` holds the remote_workers table (guarded by the pool's mutex); registrations found
  // there are loaded as alive now, so workers keep their ids across a restart.
  Pool(PoolOptions options, ExecutorSink& sink, ledger::Db& db, sys::Clock& clock,
       std::function<void(std::string_view)> log);

  // Executor side (see Executor).
  Result<void> submit(const ExecTask& task);
  Result<void> adopt(const ExecTask& task, const std::string& worker_id);
  void cancel(const std::string& task_id);
  // Wakes every waiting lease and makes later calls fail with Errc::unavailable.
  void shutdown();

  // Worker side. Unknown worker ids fail with Errc::not_found; calls for an attempt that is
  // not current fail with Errc::conflict.
  Result<nlohmann::json> register_worker(const WorkerInfo& info);
  // An assignment, or nullopt after `wait` with nothing that fits `free`.
  Result<std::optional<nlohmann::json>> lease(const std::string& worker_id, const Free& free,
                                              std::chrono::milliseconds wait);
  // The cancel list for the worker.
  Result<nlohmann::json> heartbeat(const std::string& worker_id, const std::vector<std::pair<std::string, int>>& running);
  Result<void> deregister(const std::string& worker_id);
  // The task folder of a current attempt, for the bundle.
  Result<std::filesystem::path> folder(const std::string& task_id, int attempt);
  // The remote's whole copy of dataset `hash`, which the current attempt uses (else
  // Errc::invalid_argument), for GET .../datasets/<hash>.
  Result<std::filesystem::path> dataset(const std::string& task_id, int attempt, std::string_view hash);
  Result<void> started(const std::string& task_id, int attempt, std::int64_t at_ms);
  // Appends the part of `data` not received before; returns the attempt's bytes received.
  Result<std::int64_t> logs(const std::string& task_id, int attempt, std::int64_t offset, std::string_view data);
  // Passes on the part of `data` (whole metrics lines) not received before; returns the
  // attempt's metrics bytes received. After a remote restart the count starts again at
  // the worker's offset (lines sent before the restart are not asked for again).
  Result<std::int64_t> metrics(const std::string& task_id, int attempt, std::int64_t offset, std::string_view data);
  // What each registered worker holds now, for the admin page (Executor::pool).
  std::vector<PoolEntry> entries();
  // Checks that the attempt is current (before an upload is unpacked) ...
  Result<void> check_current(const std::string& task_id, int attempt);
  // ... and records its result keys once stored.
  Result<void> results_stored(const std::string& task_id, int attempt, std::vector<std::string> keys);
  Result<void> finished(const std::string& task_id, int attempt, const FinishReport& report);

  // The watchdog's step: workers silent past the lease timeout lose their tasks.
  void sweep();

 private:
  struct Worker {
    WorkerCapacity capacity;
    WorkerInfo info;
    std::int64_t last_seen = 0;  // steady ms
    int waiting = 0;             // lease long-polls in progress (they count as alive)
    std::set<std::string> tasks;
  };
  enum class Phase { queued, assigned, running };
  struct Entry {
    ExecTask task;
    Phase phase = Phase::queued;
    std::string worker_id;
    std::vector<int> gpus;
    bool cancel = false;
    std::optional<std::vector<std::string>> result_keys;
    int metrics_attempt = 0;         // the attempt `metrics_bytes` counts for
    std::int64_t metrics_bytes = 0;  // metrics bytes of that attempt received
  };

  Result<Worker*> worker_locked(const std::string& worker_id);
  Result<Entry*> current_locked(const std::string& task_id, int attempt);
  Demand demand_of(const ExecTask& t) const;
  Free free_locked(const Worker& w) const;
  std::string wait_reason_locked(const std::string& task_id) const;
  nlohmann::json assignment_locked(const Entry& e) const;
  void enqueue_locked(Entry& e);
  void lose_worker_locked(const std::string& worker_id, const std::string& why);
  void finish_locked(const std::string& task_id, const ExecOutcome& outcome);

  PoolOptions options_;
  ExecutorSink& sink_;
  ledger::Db& db_;
  sys::Clock& clock_;
  std::function<void(std::string_view)> log_;

  mutable std::mutex mu_;
  std::condition_variable queued_cv_;     // a task was queued, or shutdown
  bool shut_ = false;                     // guarded by mu_
  PoolScheduler scheduler_;               // guarded by mu_
  std::map<std::string, Worker> workers_; // guarded by mu_; by worker id
  std::map<std::string, Entry> tasks_;    // guarded by mu_; by task id
};

}  // namespace lab::remote
