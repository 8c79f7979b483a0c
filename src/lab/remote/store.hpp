// The remote's own tables in its ledger file (migration component "remote"), beside the
// ledger's tasks: what each task was submitted with and where it stands on the executor
// (`remote_tasks`), and the registered workers (`remote_workers`). docs/remote.md lists them.
// Every function takes the caller's `Db&` and joins its transaction when one is open.
#pragma once

#include <lab/ledger/db.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lab::remote::store {

inline constexpr std::string_view kComponent = "remote";

// Creates or upgrades the remote's tables. Idempotent.
Result<void> migrate(ledger::Db& db);

// One task's row.
struct TaskRow {
  std::string task_id;
  std::string submit_json;          // the submit_task body, as received
  int attempt = 0;                  // the executor's current attempt (0 = never handed over)
  int lost = 0;                     // times the task lost its worker
  std::int64_t log_bytes = 0;       // length of the task's one log (all attempts) sent so far
  std::int64_t attempt_log_bytes = 0;  // bytes of the current attempt's log received
  bool cancel_requested = false;
};

// Adds a row; already_exists if the task has one.
Result<void> insert_task(ledger::Db& db, const TaskRow& row);
// The row of `task_id`, or nullopt.
Result<std::optional<TaskRow>> find_task(ledger::Db& db, std::string_view task_id);
// Records the executor's attempt; the attempt's log count restarts at 0 when it changes.
Result<void> set_attempt(ledger::Db& db, std::string_view task_id, int attempt, int lost);
// Adds `task_bytes` to the task's log length and `attempt_bytes` to the attempt's.
Result<void> add_log_bytes(ledger::Db& db, std::string_view task_id, std::int64_t task_bytes,
                           std::int64_t attempt_bytes);
// Marks the task as to be cancelled (survives a restart).
Result<void> request_cancel(ledger::Db& db, std::string_view task_id);

// One registered worker.
struct WorkerRow {
  std::string worker_id;
  std::string name;
  std::string info_json;  // the register body
  std::int64_t registered_at_ms = 0;
};

// Adds or replaces the worker (by id); a row with the same name is removed first.
Result<void> put_worker(ledger::Db& db, const WorkerRow& row);
Result<void> remove_worker(ledger::Db& db, std::string_view worker_id);
Result<std::vector<WorkerRow>> list_workers(ledger::Db& db);

}  // namespace lab::remote::store
