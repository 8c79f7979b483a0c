#include "store.hpp"

namespace lab::remote::store {
namespace {

// Version 1: tasks as submitted and their executor bookkeeping; registered workers.
constexpr std::string_view kV1 = R"sql(
CREATE TABLE remote_tasks (
  task_id           TEXT PRIMARY KEY,
  submit_json       TEXT NOT NULL CHECK (json_valid(submit_json)),
  attempt           INTEGER NOT NULL DEFAULT 0 CHECK (attempt >= 0),
  lost              INTEGER NOT NULL DEFAULT 0 CHECK (lost >= 0),
  log_bytes         INTEGER NOT NULL DEFAULT 0 CHECK (log_bytes >= 0),
  attempt_log_bytes INTEGER NOT NULL DEFAULT 0 CHECK (attempt_log_bytes >= 0),
  cancel_requested  INTEGER NOT NULL DEFAULT 0 CHECK (cancel_requested IN (0, 1))
) STRICT, WITHOUT ROWID;

CREATE TABLE remote_workers (
  worker_id        TEXT PRIMARY KEY,
  name             TEXT NOT NULL UNIQUE,
  info_json        TEXT NOT NULL CHECK (json_valid(info_json)),
  registered_at_ms INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
)sql";

constexpr ledger::Migration kMigrations[] = {{1, kV1}};

template <class... Ts>
Result<ledger::Statement> query(ledger::Db& db, std::string_view sql, const Ts&... args) {
  auto st = db.prepare(sql);
  if (!st) return st;
  st->bind_all(args...);
  return st;
}

template <class... Ts>
Result<int> execute(ledger::Db& db, std::string_view sql, const Ts&... args) {
  auto st = query(db, sql, args...);
  if (!st) return std::unexpected(st.error());
  if (auto r = st->run(); !r) return std::unexpected(r.error());
  return db.changes();
}

Result<void> one_row(Result<int> changed, std::string_view task_id) {
  if (!changed) return std::unexpected(changed.error());
  if (*changed == 0) return fail(Errc::not_found, "the remote has no task " + std::string(task_id));
  return {};
}

}  // namespace

Result<void> migrate(ledger::Db& db) { return ledger::migrate(db, kComponent, kMigrations); }

Result<void> insert_task(ledger::Db& db, const TaskRow& r) {
  auto found = find_task(db, r.task_id);
  if (!found) return std::unexpected(found.error());
  if (*found) return fail(Errc::already_exists, "the remote already has task " + r.task_id);
  auto n = execute(db,
                   "INSERT INTO remote_tasks(task_id, submit_json, attempt, lost, log_bytes, attempt_log_bytes, "
                   "cancel_requested) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                   r.task_id, r.submit_json, r.attempt, r.lost, r.log_bytes, r.attempt_log_bytes,
                   r.cancel_requested ? 1 : 0);
  if (!n) return std::unexpected(n.error());
  return {};
}

Result<std::optional<TaskRow>> find_task(ledger::Db& db, std::string_view task_id) {
  auto st = query(db,
                  "SELECT task_id, submit_json, attempt, lost, log_bytes, attempt_log_bytes, cancel_requested "
                  "FROM remote_tasks WHERE task_id = ?1",
                  task_id);
  if (!st) return std::unexpected(st.error());
  auto row = st->step();
  if (!row) return std::unexpected(row.error());
  if (!*row) return std::optional<TaskRow>();
  TaskRow r;
  r.task_id = st->column_text(0);
  r.submit_json = st->column_text(1);
  r.attempt = static_cast<int>(st->column_int64(2));
  r.lost = static_cast<int>(st->column_int64(3));
  r.log_bytes = st->column_int64(4);
  r.attempt_log_bytes = st->column_int64(5);
  r.cancel_requested = st->column_int64(6) != 0;
  return std::optional<TaskRow>(std::move(r));
}

Result<void> set_attempt(ledger::Db& db, std::string_view task_id, int attempt, int lost) {
  return one_row(execute(db,
                         "UPDATE remote_tasks SET attempt_log_bytes = CASE WHEN attempt = ?2 THEN attempt_log_bytes "
                         "ELSE 0 END, attempt = ?2, lost = ?3 WHERE task_id = ?1",
                         task_id, attempt, lost),
                 task_id);
}

Result<void> add_log_bytes(ledger::Db& db, std::string_view task_id, std::int64_t task_bytes,
                           std::int64_t attempt_bytes) {
  return one_row(execute(db,
                         "UPDATE remote_tasks SET log_bytes = log_bytes + ?2, "
                         "attempt_log_bytes = attempt_log_bytes + ?3 WHERE task_id = ?1",
                         task_id, task_bytes, attempt_bytes),
                 task_id);
}

Result<void> request_cancel(ledger::Db& db, std::string_view task_id) {
  return one_row(execute(db, "UPDATE remote_tasks SET cancel_requested = 1 WHERE task_id = ?1", task_id), task_id);
}

Result<void> put_worker(ledger::Db& db, const WorkerRow& w) {
  return db.transaction([&](ledger::Db& tx) -> Result<void> {
    auto gone = execute(tx, "DELETE FROM remote_workers WHERE name = ?1 OR worker_id = ?2", w.name, w.worker_id);
    if (!gone) return std::unexpected(gone.error());
    auto n = execute(tx, "INSERT INTO remote_workers(worker_id, name, info_json, registered_at_ms) VALUES(?1, ?2, ?3, ?4)",
                     w.worker_id, w.name, w.info_json, w.registered_at_ms);
    if (!n) return std::unexpected(n.error());
    return {};
  });
}

Result<void> remove_worker(ledger::Db& db, std::string_view worker_id) {
  auto n = execute(db, "DELETE FROM remote_workers WHERE worker_id = ?1", worker_id);
  if (!n) return std::unexpected(n.error());
  return {};
}

Result<std::vector<WorkerRow>> list_workers(ledger::Db& db) {
  auto st = query(db, "SELECT worker_id, name, info_json, registered_at_ms FROM remote_workers ORDER BY name");
  if (!st) return std::unexpected(st.error());
  std::vector<WorkerRow> out;
  while (true) {
    auto row = st->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) return out;
    out.push_back(WorkerRow{st->column_text(0), st->column_text(1), st->column_text(2), st->column_int64(3)});
  }
}

}  // namespace lab::remote::store
