// Tasks, their state history, and the one function that moves a task between states.
// Every function takes the caller's `Db&`; the writing ones open their own transaction, or
// join the caller's when called inside `db.transaction(...)` (so a state change and the
// message announcing it commit together).
#pragma once

#include <lab/ledger/db.hpp>
#include <lab/ledger/task_state.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lab::ledger {

// What the caller supplies to create a task.
struct NewTask {
  // The id to store the task under (a role keeping its own copy of another ledger's task,
  // e.g. the remote); nullopt = the next id of the day.
  std::optional<std::string> id;
  std::int64_t user_id = 0;
  std::string name;
  std::string spec_json = "{}";  // the task's full specification; must be valid JSON
  TaskState initial = TaskState::uploading;  // uploading or pending
  std::int64_t priority = 0;                 // higher runs first
  std::int64_t gpus = 0;
  std::int64_t cpus = 1;
  std::int64_t memory_bytes = 0;
  std::int64_t time_limit_s = 0;  // 0 = the executor's default
  std::optional<std::string> manifest_key;
  std::string reason = "submitted";  // the reason recorded with the first event
};

// One row of `tasks`.
struct Task {
  std::int64_t seq = 0;  // creation order within this ledger; the paging cursor
  std::string id;        // "t-261122-0001"
  std::int64_t user_id = 0;
  std::string name;
  std::string spec_json;
  TaskState state = TaskState::uploading;
  std::string state_reason;
  std::optional<std::int64_t> exit_code;
  std::int64_t priority = 0;
  std::int64_t gpus = 0, cpus = 0, memory_bytes = 0, time_limit_s = 0;
  std::optional<std::string> manifest_key;
  std::optional<std::string> executor;      // "slurm" or "worker"
  std::optional<std::string> executor_ref;  // Slurm job id or worker id
  std::int64_t attempts = 0;                // times the task entered `running`
  std::int64_t run_ms = 0;                  // time spent in `running`, over all attempts
  std::int64_t created_at_ms = 0, updated_at_ms = 0;
  std::optional<std::int64_t> started_at_ms, finished_at_ms;
};

// One row of `task_events`: the state history, seq 1, 2, 3, ... per task.
struct TaskEvent {
  std::int64_t seq = 0;
  TaskState state = TaskState::uploading;
  std::string reason;
  std::int64_t at_ms = 0;
};

// Whether `id` has the shape of a task id ("t-" YYMMDD "-" 4+ digits).
bool valid_task_id(std::string_view id);

// Creates a task and its first event in one transaction, giving it the next id of the UTC
// day of `now_ms`, or `task.id` when given. invalid_argument for an empty name, invalid JSON,
// negative resources, an initial state other than uploading/pending or a malformed `id`;
// not_found if the user does not exist; already_exists if a task has `id` already.
Result<Task> create_task(Db& db, const NewTask& task, std::int64_t now_ms);

// The task `id`, or Errc::not_found.
Result<Task> get_task(Db& db, std::string_view id);

// A page of `list_tasks`.
struct TaskQuery {
  std::optional<std::int64_t> user_id = std::nullopt;        // only this user's tasks
  std::vector<TaskState> states = {};              // only these states (empty = all)
  int limit = 50;                             // 1..1000
  std::optional<std::int64_t> before_seq = std::nullopt;     // continue after a previous page
  std::optional<std::string> name_contains = std::nullopt;   // only names containing this (ASCII case-insensitive)
};
struct TaskPage {
  std::vector<Task> tasks = {};                    // newest first
  std::optional<std::int64_t> next_before = std::nullopt;    // pass as `before_seq` for the next page; nullopt = last page
};

// Tasks matching `q`, newest first, one page at a time. Pages are stable under inserts: a
// task created while paging appears on no later page.
Result<TaskPage> list_tasks(Db& db, const TaskQuery& q);

// Every task not in a terminal state, oldest first (what a role resumes after a restart).
Result<std::vector<Task>> list_active_tasks(Db& db);

// The state history of task `id`, seq ascending; not_found if no such task.
Result<std::vector<TaskEvent>> task_events(Db& db, std::string_view id);

// Measured usage to record when a task ends, instead of the estimate from its run time.
struct Usage {
  double wall_seconds = 0, gpu_seconds = 0, cpu_seconds = 0;
};

// Optional facts that arrive with a state change.
struct TransitionDetails {
  std::optional<std::int64_t> exit_code = std::nullopt;
  std::optional<std::string> executor = std::nullopt;      // set when given
  std::optional<std::string> executor_ref = std::nullopt;  // set when given
  std::optional<Usage> usage = std::nullopt;               // only used when `to` is terminal
};

// Moves task `id` to `to`, in one transaction: updates `tasks` (state, reason, timestamps,
// attempts, run time), appends the next `task_events` row and, when `to` is terminal, writes
// the task's one `accounting` row (`details.usage`, or run time x gpus/cpus).
// Returns true if the task moved, false if it already was in `to` (nothing written: a
// repeated update is harmless). Fails with not_found for an unknown task and conflict for a
// move the state machine forbids (see `check_transition`).
Result<bool> transition(Db& db, std::string_view id, TaskState to, std::string_view reason, std::int64_t now_ms,
                        const TransitionDetails& details = {});

// Records where the task's files are described (the manifest's storage key).
Result<void> set_manifest_key(Db& db, std::string_view id, std::string_view key, std::int64_t now_ms);

}  // namespace lab::ledger
