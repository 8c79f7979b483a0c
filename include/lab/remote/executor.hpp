// Where a prepared task runs: the remote hands each task whose folder is materialised to an
// `Executor` and hears back through an `ExecutorSink`. Backends: the worker pool ("workers",
// worker_pool.hpp); Slurm ("slurm", slurm_executor.hpp). One table in
// executor.cpp maps remote.toml's [executor] type to the factory.
#pragma once

#include <lab/config/roles.hpp>
#include <lab/config/task.hpp>
#include <lab/datasets/dataset.hpp>
#include <lab/result.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lab::storage {
class Storage;
}
namespace lab::sys {
class Clock;
}

namespace lab::remote {

// A prepared task, as the executor needs it.
struct ExecTask {
  std::string task_id;
  std::string user;
  bool high_priority = false;
  int gpus = 0;
  int cpus = 1;
  std::uint64_t memory_bytes = 0;
  std::int64_t time_limit_s = 0;
  std::string command;                      // shell line, run in `folder`
  std::map<std::string, std::string> env;   // the task's own variables ([run.env])
  std::vector<std::string> download;        // globs of results to bring back ("outputs/")
  std::filesystem::path folder;             // the materialised task folder
  int attempt = 1;                          // the attempt number to use (a new one, or the running one)
  int lost = 0;                             // times it already lost its worker
  std::int64_t log_bytes = 0;               // bytes of this attempt's log already received
  // A built Python environment on this machine's filesystem to run the command in (its
  // bin/ goes first on PATH, VIRTUAL_ENV points at it); empty = the cluster's default Python.
  // Executors whose runners build their own environments (workers) ignore it.
  std::filesystem::path python_env;
  // The task's [environment] (Python version, requirements file, extra wheels): runners that
  // build their own environments (workers) compute the key from it and the task's files.
  config::Environment environment;
  // The datasets the task uses ([files] datasets), each whole in `datasets_dir`/<hash> on
  // this machine. Slurm finds them linked at folder/datasets/<name>; workers fetch them
  // into their own cache (docs/datasets.md). Executors export LAB_DATASETS_DIR when set.
  std::vector<datasets::Use> datasets;
  std::filesystem::path datasets_dir;
};

// The file a running task appends its metrics to, one JSON object per line
// ({"step": 10, "loss": 0.42}); executors export its absolute path as LAB_METRICS and
// follow it like the log (docs/metrics.md).
inline constexpr std::string_view kMetricsFile = ".lab-metrics.jsonl";

// One place tasks run, as the admin page shows it: a worker, or a Slurm partition.
struct PoolEntry {
  std::string name;                         // "gpu-box-1", or "debug" for a partition
  std::string kind;                         // "worker" or "slurm-partition"
  std::string state;                        // "idle", "mixed", "busy", "down", ...
  int gpus_total = 0;
  int gpus_allocated = 0;
  int cpus_total = 0;
  int cpus_allocated = 0;
  std::uint64_t memory_bytes = 0;
  std::vector<std::string> task_ids;        // this remote's tasks running there now
  std::string source;                       // where the numbers come from ("worker heartbeat", "sinfo")
};

// How a task ended on the executor.
struct ExecOutcome {
  enum class Status { completed, failed, cancelled } status = Status::failed;
  std::optional<std::int64_t> exit_code;
  std::string reason;                       // empty when completed
  double wall_seconds = 0;
  double cpu_seconds = 0;
  std::vector<std::string> result_keys;     // storage keys of the results brought back
};

// What an executor reports. Calls for one task come in order (queued, started, log...,
// finished) and never after `finished`; calls for different tasks may come from different
// threads at once, so implementations must be thread-safe. A call may block briefly (it
// commits to the ledger); it must not call back into the executor.
class ExecutorSink {
 public:
  virtual ~ExecutorSink() = default;
  // The task waits for a place to run; `reason` says why, in plain words.
  virtual void queued(const std::string& task_id, int attempt, const std::string& reason) = 0;
  // The task lost its runner and waits again, as the new attempt `attempt`; `lost` counts
  // the runners it lost so far, `note` says what happened (for the task's log) and `reason`
  // why it waits now.
  virtual void requeued(const std::string& task_id, int attempt, int lost, const std::string& note,
                        const std::string& reason) = 0;
  // The command started on `where` (a worker id or a Slurm job id).
  virtual void started(const std::string& task_id, int attempt, const std::string& where, std::int64_t at_ms) = 0;
  // New bytes of the attempt's log (whole lines, in order, never repeated).
  virtual void log(const std::string& task_id, int attempt, std::string_view bytes) = 0;
  // The task ended; nothing more comes for it.
  virtual void finished(const std::string& task_id, int attempt, const ExecOutcome& outcome) = 0;
  // New whole lines the task appended to its metrics file (kMetricsFile), in order, never
  // repeated; comes between `started` and `finished`.
  virtual void metrics(const std::string& task_id, int attempt, std::string_view lines) {
    (void)task_id, (void)attempt, (void)lines;
  }
};

// Thread-safety: every method may be called from any thread, but never from inside a sink call.
class Executor {
 public:
  virtual ~Executor() = default;
  // Takes a new task (or one to run again after a restart); reports `queued` before returning.
  virtual Result<void> submit(const ExecTask& task) = 0;
  // After a restart: the task was running as `task.attempt` on `where`; wait for that runner
  // to report again, or treat it as lost once it stays silent past its lease.
  virtual Result<void> adopt(const ExecTask& task, const std::string& where) = 0;
  // Stops the task wherever it is; `finished` with status cancelled follows (at once when it
  // had not started). Unknown or finished ids are ignored.
  virtual void cancel(const std::string& task_id) = 0;
  // Stops serving; no sink call happens after it returns. Idempotent.
  virtual void stop() = 0;
  // Where runners connect ("http://127.0.0.1:8802"), or "" when none do.
  virtual std::string url() const = 0;
  // What the backend runs on now, for the admin page; empty when it cannot tell.
  virtual std::vector<PoolEntry> pool() { return {}; }
};

// What every backend is built from.
struct ExecutorContext {
  config::RemoteConfig config;
  ExecutorSink* sink = nullptr;        // outlives the executor
  storage::Storage* storage = nullptr; // results go here; outlives the executor
  sys::Clock* clock = nullptr;         // nullptr = the real clock
  std::filesystem::path db_path;       // the remote's ledger, for the backend's own tables
  std::function<void(std::string_view)> log;
};

// Builds the backend named by `ctx.config.executor.type`. Errc::invalid_argument for an
// unknown type (with "did you mean").
Result<std::unique_ptr<Executor>> make_executor(const ExecutorContext& ctx);

// Names of the executor types `make_executor` knows, built or not.
std::vector<std::string> executor_types();

}  // namespace lab::remote
