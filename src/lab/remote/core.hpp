// The remote's bookkeeping: it applies the proxy's messages, prepares task folders, hears
// the executor's events (it is the ExecutorSink) and rebuilds itself from the ledger after a
// restart. Every state change is written together with the message announcing it, in one
// ledger transaction (announce.hpp).
//
// Locks, always taken in this order and never the other way: `flow_mu_` (a task moving
// from preparing to the executor, or being cancelled) -> the executor's own lock ->
// `db_mu_` (the ledger connection). Sink calls arrive under the executor's lock.
#pragma once

#include "announce.hpp"
#include "datasets.hpp"
#include "materialise.hpp"
#include "store.hpp"

#include <lab/config/roles.hpp>
#include <lab/envs/builder.hpp>
#include <lab/ledger/tasks.hpp>
#include <lab/proto/messages.hpp>
#include <lab/remote/executor.hpp>
#include <lab/storage/storage.hpp>
#include <lab/sys/clock.hpp>
#include <lab/transport/transport.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace lab::remote {

// Work to do once the transaction that applied a message has committed.
using AfterCommit = std::vector<std::function<void()>>;

class Core final : public ExecutorSink {
 public:
  struct Deps {
    config::RemoteConfig config;
    std::unique_ptr<ledger::Db> db;       // the remote's ledger, migrated
    transport::Transport* transport = nullptr;
    storage::Storage* storage = nullptr;
    sys::Clock* clock = nullptr;
    std::function<void(std::string_view)> log;
    std::function<void(const std::string& task_id)> prepare_later;  // queues `prepare(id)`
  };
  explicit Core(Deps deps);

  // Set once, before any message or event; the executor must outlive every call below.
  void set_executor(Executor* executor) { executor_ = executor; }

  // Applies one message from the proxy inside the consumer's transaction `tx`; work that
  // must wait for the commit goes to `after`.
  Result<void> apply(const proto::Message& message, ledger::Db& tx, AfterCommit& after);

  // Materialises task `id` and hands it to the executor; a failure fails the task.
  // Does nothing unless the task is preparing. Called by the preparing threads, never two
  // at once for one task.
  void prepare(const std::string& task_id);

  // Cancels task `id` wherever it is (after a cancel_task has been recorded).
  void cancel_now(const std::string& task_id);

  // After a restart: resumes every active task from the ledger (docs/remote.md, "Restart").
  Result<void> recover();

  // ExecutorSink.
  void queued(const std::string& task_id, int attempt, const std::string& reason) override;
  void requeued(const std::string& task_id, int attempt, int lost, const std::string& note,
                const std::string& reason) override;
  void started(const std::string& task_id, int attempt, const std::string& where, std::int64_t at_ms) override;
  void log(const std::string& task_id, int attempt, std::string_view bytes) override;
  void finished(const std::string& task_id, int attempt, const ExecOutcome& outcome) override;
  void metrics(const std::string& task_id, int attempt, std::string_view lines) override;  // core_feeds.cpp

  // Sends the executor's pool (Executor::pool) as a pool_snapshot when it changed, or when
  // `refresh` has passed since the last one. Called by the remote's pool thread.
  void announce_pool(std::chrono::milliseconds refresh);  // core_feeds.cpp

  // Removes the folders under [paths] tasks_dir of tasks that have ended: their results are in
  // storage and their log with the proxy. A folder goes at the second sweep that finds its task
  // ended, so an executor still finishing up is never raced; folders of tasks this ledger does
  // not know, or that are still active, are left alone. Called by the remote's pool thread
  // (core_sweep.cpp).
  void sweep_folders();

 private:
  // Runs `body` in one transaction on the shared connection, then wakes the outbox. Failures
  // are logged (the sink cannot report them) and returned.
  Result<void> write(const std::function<Result<void>(ledger::Db&)>& body);
  // Appends a "lab" line to the task's log (and its log_chunk) inside `tx`.
  Result<void> note_tx(ledger::Db& tx, const std::string& task_id, const std::string& text);
  // Ends the task inside `tx`: a final "lab" line, the terminal state with usage, task_completed.
  Result<void> end_tx(ledger::Db& tx, const std::string& task_id, const Completion& c);
  // Ends a task that never reached the executor (preparing) as failed or cancelled.
  void end_unstarted(const std::string& task_id, ledger::TaskState state, const std::string& reason);
  // The executor's view of task `id` from the ledger and its submit message.
  Result<ExecTask> exec_task(const ledger::Task& task, const store::TaskRow& row, int attempt);
  Result<void> apply_submit(const proto::SubmitTask& m, ledger::Db& tx, AfterCommit& after);
  Result<void> apply_cancel(const proto::CancelTask& m, ledger::Db& tx, AfterCommit& after);
  void say(const std::string& line) const;

  // Reads a task and its remote row from the ledger.
  using ReadTask = std::function<Result<std::pair<ledger::Task, store::TaskRow>>()>;
  // Hands a prepared task to the executor (under flow_mu_); false when it did not get there
  // (cancelled meanwhile, or refused: then the task was ended).
  bool hand_over(const std::string& task_id, const ReadTask& read, const std::filesystem::path& python_env);

  // core_env.cpp: the task's Python environment, built here for executors that run tasks on
  // this machine's filesystem (Slurm; workers build their own). Returns the environment's
  // root ("" = the cluster's Python), or nullopt when the build failed and the task was ended.
  std::optional<std::filesystem::path> prepare_env(const ledger::Task& task, const std::filesystem::path& folder);
  // core_data.cpp: the datasets named by the task's stored submit_task; then, the step that
  // makes them whole in the dataset cache and, for executors that run on this machine's
  // filesystem, links them into `folder`. False when that failed and the task was ended.
  static Result<std::vector<datasets::Use>> stored_datasets(const store::TaskRow& row);
  bool prepare_data(const ledger::Task& task, const std::vector<datasets::Use>& uses, const std::filesystem::path& folder);
  // Ends the lease prepare_env took for the task (it ended, or never reached the executor).
  void release_env(const std::string& task_id);

  config::RemoteConfig config_;
  transport::Transport* transport_;
  storage::Storage* storage_;
  sys::Clock* clock_;
  std::function<void(std::string_view)> log_;
  std::function<void(const std::string&)> prepare_later_;
  Executor* executor_ = nullptr;
  BlobCache blobs_;  // shared by the preparing threads (thread-safe)
  datasets::Cache datasets_;  // [paths] datasets_dir: whole datasets, shared by every task
  std::unique_ptr<envs::Builder> envs_;  // null when the executor's runners build environments (workers)
  std::mutex env_mu_;
  std::map<std::string, envs::EnvLease> env_leases_;  // guarded by env_mu_; by task id, while the task runs

  std::mutex pool_mu_;                      // held by announce_pool
  std::vector<proto::PoolSlot> last_pool_;  // guarded by pool_mu_: the last snapshot sent
  std::int64_t last_pool_ms_ = 0;           // guarded by pool_mu_: when it was sent (0 = never)

  std::set<std::string> ended_seen_;   // sweep_folders only: ended tasks found by the last sweep
  std::set<std::string> unremovable_;  // sweep_folders only: folders that could not be removed (said once)

  std::mutex flow_mu_;
  std::mutex db_mu_;
  std::unique_ptr<ledger::Db> db_;  // guarded by db_mu_
};

}  // namespace lab::remote
