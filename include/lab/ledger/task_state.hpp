// The task state machine: the one place that says which state may follow which.
//
//   uploading -> pending -> preparing -> queued -> running -> completed
//   (pending may skip preparing; queued/running/preparing may go back to pending or queued
//   for a requeue; every non-terminal state may go to failed or cancelled; terminal states
//   are final). The full table is in docs/ledger.md.
#pragma once

#include <lab/result.hpp>

#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace lab::ledger {

enum class TaskState { uploading, pending, preparing, queued, running, completed, failed, cancelled };

inline constexpr std::array<TaskState, 8> kAllTaskStates = {
    TaskState::uploading, TaskState::pending,   TaskState::preparing, TaskState::queued,
    TaskState::running,   TaskState::completed, TaskState::failed,    TaskState::cancelled};

// The lowercase name stored in the ledger and shown to users ("running").
std::string_view to_string(TaskState state);

// The state named `name` (exact lowercase spelling), or nullopt.
std::optional<TaskState> parse_task_state(std::string_view name);

// completed, failed and cancelled: no transition leaves them.
bool is_terminal(TaskState state);

// Whether a task in `from` may move to `to`. A state never "moves" to itself.
bool can_transition(TaskState from, TaskState to);

// Ok if `from` -> `to` is legal; otherwise Errc::conflict with a sentence naming the task,
// both states and why (e.g. "completed is final").
Result<void> check_transition(std::string_view task_id, TaskState from, TaskState to);

}  // namespace lab::ledger
