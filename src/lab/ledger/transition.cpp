// `transition`: the only writer of a task's state, its history and its accounting row.
#include <lab/ledger/tasks.hpp>

#include "query.hpp"

#include <algorithm>

namespace lab::ledger {

using detail::execute;
using detail::query;

Result<bool> transition(Db& db, std::string_view id, TaskState to, std::string_view reason, std::int64_t now_ms,
                        const TransitionDetails& details) {
  bool moved = false;
  auto r = db.transaction([&](Db& tx) -> Result<void> {
    auto cur = query(tx,
                     "SELECT state, user_id, gpus, cpus, attempts, run_ms, started_at_ms, "
                     "(SELECT coalesce(max(seq), 0) FROM task_events WHERE task_id = ?1) FROM tasks WHERE id = ?1",
                     id);
    if (!cur) return std::unexpected(cur.error());
    auto row = cur->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) return fail(Errc::not_found, "no task " + std::string(id));
    auto from = parse_task_state(cur->column_text(0));
    if (!from) return fail(Errc::corrupt, "task " + std::string(id) + " has unknown state '" + cur->column_text(0) + "'");
    if (*from == to) return {};  // a repeated update: already there, nothing to write
    if (auto ok = check_transition(id, *from, to); !ok) return ok;
    const std::int64_t user_id = cur->column_int64(1), gpus = cur->column_int64(2), cpus = cur->column_int64(3);
    std::int64_t attempts = cur->column_int64(4), run_ms = cur->column_int64(5);
    std::optional<std::int64_t> started = cur->column_opt_int64(6);
    const std::int64_t next_event = cur->column_int64(7) + 1;
    cur->reset();

    if (*from == TaskState::running && started) run_ms += std::max<std::int64_t>(0, now_ms - *started);
    if (to == TaskState::running) {
      ++attempts;
      started = now_ms;
    }
    const bool terminal = is_terminal(to);
    auto upd = execute(tx,
                       "UPDATE tasks SET state = ?2, state_reason = ?3, updated_at_ms = ?4, attempts = ?5, run_ms = ?6, "
                       "started_at_ms = ?7, finished_at_ms = ?8, exit_code = coalesce(?9, exit_code), "
                       "executor = coalesce(?10, executor), executor_ref = coalesce(?11, executor_ref) WHERE id = ?1",
                       id, to_string(to), reason, now_ms, attempts, run_ms, started,
                       terminal ? std::optional<std::int64_t>(now_ms) : std::nullopt, details.exit_code,
                       details.executor, details.executor_ref);
    if (!upd) return std::unexpected(upd.error());
    auto ev = execute(tx, "INSERT INTO task_events(task_id, seq, state, reason, at_ms) VALUES(?1, ?2, ?3, ?4, ?5)", id,
                      next_event, to_string(to), reason, now_ms);
    if (!ev) return std::unexpected(ev.error());
    if (terminal) {
      const double wall = static_cast<double>(run_ms) / 1000.0;
      const Usage u = details.usage.value_or(
          Usage{wall, wall * static_cast<double>(gpus), wall * static_cast<double>(cpus)});
      if (u.wall_seconds < 0 || u.gpu_seconds < 0 || u.cpu_seconds < 0)
        return fail(Errc::invalid_argument, "usage of task " + std::string(id) + " cannot be negative");
      auto acc = execute(tx,
                         "INSERT INTO accounting(task_id, user_id, wall_seconds, gpu_seconds, cpu_seconds, "
                         "recorded_at_ms) VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
                         id, user_id, u.wall_seconds, u.gpu_seconds, u.cpu_seconds, now_ms);
      if (!acc) return std::unexpected(acc.error());
    }
    moved = true;
    return {};
  });
  if (!r) return std::unexpected(r.error());
  return moved;
}

}  // namespace lab::ledger
