#include "consumer.hpp"
#include "log_store.hpp"

#include <lab/ledger/tasks.hpp>
#include <lab/transport/consumer.hpp>

namespace lab::proxy {
namespace {

// How long one receive waits; also bounds how long `stop` takes.
constexpr std::chrono::milliseconds kReceiveWait{1000};
// Pause after a failed step (peer down, db busy) before trying again.
constexpr std::chrono::milliseconds kRetryPause{1000};

ledger::TaskState state_of(proto::TaskStatus s) {
  return *ledger::parse_task_state(proto::to_string(s));  // the two enums share their names
}

// Whether task `id` exists here; a message about a task this proxy never made is dropped.
Result<bool> known_task(ledger::Db& tx, const std::string& id) {
  if (!ledger::valid_task_id(id)) return false;
  auto t = ledger::get_task(tx, id);
  if (t) return true;
  if (t.error().code == Errc::not_found) return false;
  return std::unexpected(t.error());
}

// Moves the task to `to`. When the remote skipped a step the state machine needs (e.g. it
// reports `running` for a task still `pending` here), the missing forward steps are recorded
// first, so the update is applied instead of dropped. Returns like `ledger::transition`.
Result<bool> advance(ledger::Db& tx, const std::string& id, ledger::TaskState to, const std::string& reason,
                     std::int64_t at, const ledger::TransitionDetails& details = {}) {
  using S = ledger::TaskState;
  static constexpr S kForward[] = {S::pending, S::preparing, S::queued, S::running, S::completed};
  auto task = ledger::get_task(tx, id);
  if (!task) return std::unexpected(task.error());
  S cur = task->state;
  auto rank = [](S s) {
    for (int i = 0; i < 5; ++i)
      if (kForward[i] == s) return i;
    return -1;
  };
  // Each step goes as far toward `to` as the state machine allows.
  while (cur != to && !ledger::can_transition(cur, to) && rank(cur) >= 0 && rank(to) > rank(cur)) {
    int next = -1;
    for (int j = rank(to) - 1; j > rank(cur) && next < 0; --j)
      if (ledger::can_transition(cur, kForward[j])) next = j;
    if (next < 0) break;
    auto step = ledger::transition(tx, id, kForward[next], "", at);
    if (!step) return step;
    cur = kForward[next];
  }
  return ledger::transition(tx, id, to, reason, at, details);
}

// A move the state machine refuses is a stale update (e.g. the task was cancelled here
// first): log it and carry on; anything else fails the step so the message comes again.
Result<void> tolerate_conflict(Context& ctx, const Result<bool>& moved, const std::string& what) {
  if (moved) return {};
  if (moved.error().code == Errc::conflict || moved.error().code == Errc::invalid_argument) {
    ctx.log("ignoring " + what + ": " + moved.error().message);
    return {};
  }
  return std::unexpected(moved.error());
}

Result<void> on_status(Context& ctx, const proto::StatusUpdate& m, ledger::Db& tx, std::set<std::string>& touched) {
  auto known = known_task(tx, m.task_id);
  if (!known) return std::unexpected(known.error());
  if (!*known) {
    ctx.log("ignoring a status update for unknown task " + m.task_id);
    return {};
  }
  const std::string reason = m.reason.value_or(m.error_message.value_or(m.progress.value_or("")));
  // The remote's time of the change when given (messages may wait while the proxy is down),
  // never later than now.
  const std::int64_t at = std::min(m.at_ms.value_or(ctx.now_ms()), ctx.now_ms());
  const ledger::TaskState to = state_of(m.status);
  auto moved = advance(tx, m.task_id, to, reason, at);
  if (moved && !*moved && !reason.empty()) {
    // Same state, new words ("queued: 1 task ahead of yours"): keep the reason current.
    auto st = tx.prepare("UPDATE tasks SET state_reason = ?2, updated_at_ms = ?3 WHERE id = ?1 AND state = ?4");
    if (!st) return std::unexpected(st.error());
    st->bind_all(m.task_id, reason, at, ledger::to_string(to));
    if (auto r = st->run(); !r) return r;
  }
  touched.insert(m.task_id);
  return tolerate_conflict(ctx, moved, "status " + std::string(proto::to_string(m.status)) + " of " + m.task_id);
}

// A piece of a task's log or metrics (kept alike; the proxy does not parse metrics lines).
Result<void> on_chunk(Context& ctx, const std::string& task_id, std::int64_t offset, const std::string& data, Stream stream,
                      ledger::Db& tx, std::set<std::string>& touched) {
  auto known = known_task(tx, task_id);
  if (!known) return std::unexpected(known.error());
  if (!*known) {
    ctx.log(std::string("ignoring ") + (stream == Stream::log ? "a log chunk" : "metrics") + " for unknown task " + task_id);
    return {};
  }
  auto added = append_log_chunk(tx, task_id, offset, data, stream);
  if (!added) return std::unexpected(added.error());
  if (*added) touched.insert(task_id);
  return {};
}

Result<void> on_completed(Context& ctx, const proto::TaskCompleted& m, ledger::Db& tx, std::set<std::string>& touched) {
  auto task = ledger::get_task(tx, m.task_id);
  if (!task) {
    if (task.error().code != Errc::not_found) return std::unexpected(task.error());
    ctx.log("ignoring the completion of unknown task " + m.task_id);
    return {};
  }
  const std::int64_t now = ctx.now_ms();
  double wall = 0;
  if (m.wall_seconds) {
    wall = static_cast<double>(*m.wall_seconds);
  } else {
    std::int64_t run_ms = task->run_ms;
    if (task->state == ledger::TaskState::running && task->started_at_ms) run_ms += now - *task->started_at_ms;
    wall = static_cast<double>(std::max<std::int64_t>(0, run_ms)) / 1000.0;
  }
  ledger::TransitionDetails d;
  d.exit_code = m.exit_code;
  d.usage = ledger::Usage{wall, static_cast<double>(m.gpu_seconds), static_cast<double>(m.cpu_seconds)};
  std::string reason = m.reason.value_or(m.error_message.value_or(""));
  if (reason.empty()) {
    reason = m.status == proto::TaskStatus::completed ? "finished" : std::string(proto::to_string(m.status));
    if (m.exit_code) reason += " with exit code " + std::to_string(*m.exit_code);
  }
  auto moved = advance(tx, m.task_id, state_of(m.status), reason, now, d);
  touched.insert(m.task_id);
  return tolerate_conflict(ctx, moved, "the completion of " + m.task_id);
}

}  // namespace

Result<void> apply_message(Context& ctx, const proto::Message& message, ledger::Db& tx, std::set<std::string>& touched) {
  if (auto* s = std::get_if<proto::StatusUpdate>(&message)) return on_status(ctx, *s, tx, touched);
  if (auto* l = std::get_if<proto::LogChunk>(&message)) return on_chunk(ctx, l->task_id, l->offset, l->data, Stream::log, tx, touched);
  if (auto* c = std::get_if<proto::TaskCompleted>(&message)) return on_completed(ctx, *c, tx, touched);
  if (auto* x = std::get_if<proto::MetricsChunk>(&message))
    return on_chunk(ctx, x->task_id, x->offset, x->data, Stream::metrics, tx, touched);
  if (auto* p = std::get_if<proto::PoolSnapshot>(&message)) {
    ctx.pool.update(*p, ctx.now_ms());
    return {};
  }
  if (std::holds_alternative<proto::Heartbeat>(message)) return {};
  ctx.log("ignoring a " + std::string(proto::type_of(message)) + " message: the proxy does not expect it");
  return {};
}

Consumer::Consumer(Context& ctx, std::unique_ptr<ledger::Db> db) : ctx_(ctx), db_(std::move(db)) {
  thread_ = std::thread([this] { run(); });
}

Consumer::~Consumer() { stop(); }

void Consumer::stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

void Consumer::run() {
  const bool connecting = !ctx_.config.transport.listen;
  std::string last_error;
  while (!stopping_) {
    std::set<std::string> gathered, touched;  // tasks with news: in the open transaction, committed
    auto handler = [&](const proto::Message& m, const proto::Envelope&, ledger::Db& tx) -> Result<void> {
      return apply_message(ctx_, m, tx, gathered);
    };
    auto settled = [&](bool committed) {
      if (committed) touched.merge(gathered);
      gathered.clear();  // a rolled-back attempt's ids go with it
    };
    auto step = transport::process_batch(*ctx_.transport, *db_, transport::kToLocal, kReceiveWait, handler, settled,
                                         [this](std::string_view l) { ctx_.log(l); });
    for (const auto& id : touched) ctx_.logs.notify(id);
    if (!step) {
      if (step.error().message != last_error) ctx_.log("receiving from the remote: " + step.error().message);
      last_error = step.error().message;
      for (int i = 0; i < 10 && !stopping_; ++i) std::this_thread::sleep_for(kRetryPause / 10);
      continue;
    }
    if (!last_error.empty()) ctx_.log("receiving from the remote works again");
    last_error.clear();
    // A message is a sign of life; so is a completed long-poll to the remote's mailbox.
    if (!step->empty() || connecting) ctx_.remote_last_seen_ms = ctx_.now_ms();
  }
}

}  // namespace lab::proxy
