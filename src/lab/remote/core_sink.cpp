// The Core as the executor's sink: each event becomes a ledger change plus its message, in
// one transaction.
#include "core.hpp"

namespace lab::remote {

void Core::queued(const std::string& task_id, int attempt, const std::string& reason) {
  (void)write([&](ledger::Db& tx) -> Result<void> {
    auto row = store::find_task(tx, task_id);
    if (!row) return std::unexpected(row.error());
    if (!*row) return fail(Errc::not_found, "the remote has no task " + task_id);
    if (auto a = store::set_attempt(tx, task_id, attempt, (*row)->lost); !a) return a;
    const std::int64_t now = clock_->now_ms();
    auto moved = ledger::transition(tx, task_id, ledger::TaskState::queued, reason, now);
    if (!moved) return std::unexpected(moved.error());
    // Sent also when already queued: executors call again only when the reason changed
    // (Slurm: "submitted as job N" -> "waiting for resources"), and the proxy keeps it current.
    return send_status(tx, task_id, ledger::TaskState::queued, reason, now);
  });
}

void Core::requeued(const std::string& task_id, int attempt, int lost, const std::string& note,
                    const std::string& reason) {
  (void)write([&](ledger::Db& tx) -> Result<void> {
    if (auto a = store::set_attempt(tx, task_id, attempt, lost); !a) return a;
    if (auto n = note_tx(tx, task_id, note); !n) return n;
    const std::int64_t now = clock_->now_ms();
    auto moved = ledger::transition(tx, task_id, ledger::TaskState::queued, reason, now);
    if (!moved) return std::unexpected(moved.error());
    // Sent even when the ledger already said queued (lost before it started): the reason changed.
    return send_status(tx, task_id, ledger::TaskState::queued, reason, now);
  });
}

void Core::started(const std::string& task_id, int attempt, const std::string& where, std::int64_t at_ms) {
  (void)write([&](ledger::Db& tx) -> Result<void> {
    const std::int64_t now = clock_->now_ms();
    ledger::TransitionDetails d;
    d.executor = config_.executor.type == "workers" ? "worker" : config_.executor.type;
    d.executor_ref = where;
    const std::string place = d.executor == "slurm" ? "Slurm job " + where : where;
    const std::string reason = "running on " + place + " (attempt " + std::to_string(attempt) + ")";
    auto moved = ledger::transition(tx, task_id, ledger::TaskState::running, reason, now, d);
    if (!moved) return std::unexpected(moved.error());
    if (*moved) return send_status(tx, task_id, ledger::TaskState::running, reason, at_ms > 0 ? at_ms : now);
    return {};
  });
}

void Core::log(const std::string& task_id, int, std::string_view bytes) {
  (void)write([&](ledger::Db& tx) -> Result<void> {
    auto row = store::find_task(tx, task_id);
    if (!row) return std::unexpected(row.error());
    if (!*row) return fail(Errc::not_found, "the remote has no task " + task_id);
    const std::string text = utf8_clean(bytes);
    if (auto s = send_log(tx, task_id, (*row)->log_bytes, text, clock_->now_ms()); !s) return s;
    return store::add_log_bytes(tx, task_id, static_cast<std::int64_t>(text.size()),
                                static_cast<std::int64_t>(bytes.size()));
  });
}

void Core::finished(const std::string& task_id, int, const ExecOutcome& o) {
  release_env(task_id);
  (void)write([&](ledger::Db& tx) -> Result<void> {
    auto t = ledger::get_task(tx, task_id);
    if (!t) return std::unexpected(t.error());
    if (ledger::is_terminal(t->state)) return {};
    Completion c;
    c.state = o.status == ExecOutcome::Status::completed ? ledger::TaskState::completed
              : o.status == ExecOutcome::Status::cancelled ? ledger::TaskState::cancelled
                                                           : ledger::TaskState::failed;
    c.exit_code = o.exit_code;
    c.reason = o.reason;
    c.result_keys = o.result_keys;
    c.wall_seconds = o.wall_seconds;
    c.gpu_seconds = o.wall_seconds * static_cast<double>(t->gpus);
    c.cpu_seconds = o.cpu_seconds;
    if (t->state == ledger::TaskState::queued && c.state == ledger::TaskState::completed) {
      // The worker never said `started`; the state machine only completes running tasks.
      auto r = ledger::transition(tx, task_id, ledger::TaskState::running, "started", clock_->now_ms());
      if (!r) return std::unexpected(r.error());
    }
    return end_tx(tx, task_id, c);
  });
}

}  // namespace lab::remote
