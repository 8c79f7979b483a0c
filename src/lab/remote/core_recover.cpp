// The Core after a restart: every active task in the ledger is picked up where it was.
#include "core.hpp"

namespace lab::remote {

Result<void> Core::recover() {
  Result<std::vector<ledger::Task>> active;
  {
    std::lock_guard lock(db_mu_);
    active = ledger::list_active_tasks(*db_);
  }
  if (!active) return std::unexpected(active.error());
  for (const auto& t : *active) {
    Result<std::optional<store::TaskRow>> row;
    {
      std::lock_guard lock(db_mu_);
      row = store::find_task(*db_, t.id);
    }
    if (!row) return std::unexpected(row.error());
    if (!*row) {
      say("task " + t.id + " is in the ledger without the remote's record of it; leaving it alone");
      continue;
    }
    const store::TaskRow& r = **row;
    using S = ledger::TaskState;
    if (t.state == S::pending || t.state == S::preparing) {
      if (t.state == S::pending) {
        (void)write([&](ledger::Db& tx) -> Result<void> {
          auto m = ledger::transition(tx, t.id, S::preparing, "preparing the task's files", clock_->now_ms());
          if (!m) return std::unexpected(m.error());
          return {};
        });
      }
      if (r.cancel_requested) cancel_now(t.id);
      else prepare_later_(t.id);
      continue;
    }
    const bool running = t.state == S::running && t.executor_ref;
    // A queued task gets a new attempt number, so a worker still holding the old one is told 409.
    auto exec = exec_task(t, r, running ? r.attempt : r.attempt + 1);
    if (!exec) {
      end_unstarted(t.id, S::failed, exec.error().message);
      continue;
    }
    // Its environment is leased again (so eviction skips it) and named again for the executor.
    auto python_env = prepare_env(t, exec->folder);
    if (!python_env) continue;  // it could not be rebuilt: the task was ended
    exec->python_env = *python_env;
    auto handed = running ? executor_->adopt(*exec, *t.executor_ref) : executor_->submit(*exec);
    if (!handed) {
      say("cannot resume task " + t.id + ": " + handed.error().message);
      continue;
    }
    if (r.cancel_requested) cancel_now(t.id);
  }
  return {};
}

}  // namespace lab::remote
