#include <lab/ledger/task_state.hpp>

namespace lab::ledger {

std::string_view to_string(TaskState state) {
  switch (state) {
    case TaskState::uploading: return "uploading";
    case TaskState::pending: return "pending";
    case TaskState::preparing: return "preparing";
    case TaskState::queued: return "queued";
    case TaskState::running: return "running";
    case TaskState::completed: return "completed";
    case TaskState::failed: return "failed";
    case TaskState::cancelled: return "cancelled";
  }
  return "unknown";
}

std::optional<TaskState> parse_task_state(std::string_view name) {
  for (TaskState s : kAllTaskStates)
    if (to_string(s) == name) return s;
  return std::nullopt;
}

bool is_terminal(TaskState state) {
  return state == TaskState::completed || state == TaskState::failed || state == TaskState::cancelled;
}

bool can_transition(TaskState from, TaskState to) {
  using S = TaskState;
  if (from == to || is_terminal(from)) return false;
  if (to == S::failed || to == S::cancelled) return true;  // from every non-terminal state
  switch (from) {
    case S::uploading: return to == S::pending;
    case S::pending: return to == S::preparing || to == S::queued;
    case S::preparing: return to == S::queued || to == S::pending;
    case S::queued: return to == S::running || to == S::pending;
    case S::running: return to == S::completed || to == S::queued || to == S::pending;
    default: return false;
  }
}

Result<void> check_transition(std::string_view task_id, TaskState from, TaskState to) {
  if (can_transition(from, to)) return {};
  std::string msg = "task " + std::string(task_id) + " is " + std::string(to_string(from)) + " and cannot become " +
                    std::string(to_string(to));
  if (is_terminal(from))
    msg += " (" + std::string(to_string(from)) + " is final; submit it again to rerun it)";
  else if (from == to)
    msg += " (it already is)";
  else
    msg += " (not a step of the task state machine; see docs/ledger.md)";
  return fail(Errc::conflict, msg);
}

}  // namespace lab::ledger
