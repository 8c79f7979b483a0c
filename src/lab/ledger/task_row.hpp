// Reading a `tasks` row into a `Task` (private to src/lab/ledger/).
#pragma once

#include <lab/ledger/tasks.hpp>

namespace lab::ledger::detail {

// The columns `read_task` expects, in order; append a WHERE/ORDER clause.
inline constexpr std::string_view kTaskSelect =
    "SELECT seq, id, user_id, name, spec_json, state, state_reason, exit_code, priority, gpus, cpus, memory_bytes, "
    "time_limit_s, manifest_key, executor, executor_ref, attempts, run_ms, created_at_ms, updated_at_ms, "
    "started_at_ms, finished_at_ms FROM tasks";

// The task in the current row of a statement made from kTaskSelect; corrupt for an unknown state.
inline Result<Task> read_task(const Statement& st) {
  Task t;
  t.seq = st.column_int64(0);
  t.id = st.column_text(1);
  t.user_id = st.column_int64(2);
  t.name = st.column_text(3);
  t.spec_json = st.column_text(4);
  auto state = parse_task_state(st.column_text(5));
  if (!state) return fail(Errc::corrupt, "task " + t.id + " has unknown state '" + st.column_text(5) + "'");
  t.state = *state;
  t.state_reason = st.column_text(6);
  t.exit_code = st.column_opt_int64(7);
  t.priority = st.column_int64(8);
  t.gpus = st.column_int64(9);
  t.cpus = st.column_int64(10);
  t.memory_bytes = st.column_int64(11);
  t.time_limit_s = st.column_int64(12);
  t.manifest_key = st.column_opt_text(13);
  t.executor = st.column_opt_text(14);
  t.executor_ref = st.column_opt_text(15);
  t.attempts = st.column_int64(16);
  t.run_ms = st.column_int64(17);
  t.created_at_ms = st.column_int64(18);
  t.updated_at_ms = st.column_int64(19);
  t.started_at_ms = st.column_opt_int64(20);
  t.finished_at_ms = st.column_opt_int64(21);
  return t;
}

}  // namespace lab::ledger::detail
