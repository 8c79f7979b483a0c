#include "slurm_jobs.hpp"

namespace lab::remote::slurm_jobs {
namespace {

constexpr std::string_view kV1 = R"sql(
CREATE TABLE remote_slurm_jobs (
  task_id       TEXT PRIMARY KEY,
  attempt       INTEGER NOT NULL CHECK (attempt >= 1),
  job_name      TEXT NOT NULL,
  job_id        TEXT NOT NULL,
  metrics_bytes INTEGER NOT NULL DEFAULT 0 CHECK (metrics_bytes >= 0)
) STRICT, WITHOUT ROWID;
)sql";

constexpr ledger::Migration kMigrations[] = {{1, kV1}};

template <class... Ts>
Result<void> execute(ledger::Db& db, std::string_view sql, const Ts&... args) {
  auto st = db.prepare(sql);
  if (!st) return std::unexpected(st.error());
  st->bind_all(args...);
  return st->run();
}

}  // namespace

Result<void> migrate(ledger::Db& db) { return ledger::migrate(db, "remote_slurm", kMigrations); }

Result<void> put(ledger::Db& db, const Row& r) {
  return execute(db,
                 "INSERT OR REPLACE INTO remote_slurm_jobs(task_id, attempt, job_name, job_id, metrics_bytes) "
                 "VALUES(?1, ?2, ?3, ?4, ?5)",
                 r.task_id, std::int64_t(r.attempt), r.job_name, r.job_id, r.metrics_bytes);
}

Result<std::optional<Row>> find(ledger::Db& db, std::string_view task_id) {
  auto st = db.prepare(
      "SELECT task_id, attempt, job_name, job_id, metrics_bytes FROM remote_slurm_jobs WHERE task_id = ?1");
  if (!st) return std::unexpected(st.error());
  st->bind_all(std::string(task_id));
  auto has = st->step();
  if (!has) return std::unexpected(has.error());
  if (!*has) return std::optional<Row>{};
  Row r;
  r.task_id = st->column_text(0);
  r.attempt = static_cast<int>(st->column_int64(1));
  r.job_name = st->column_text(2);
  r.job_id = st->column_text(3);
  r.metrics_bytes = st->column_int64(4);
  return std::optional<Row>{std::move(r)};
}

Result<void> set_metrics_bytes(ledger::Db& db, std::string_view task_id, std::int64_t bytes) {
  return execute(db, "UPDATE remote_slurm_jobs SET metrics_bytes = ?2 WHERE task_id = ?1", std::string(task_id),
                 bytes);
}

Result<void> remove(ledger::Db& db, std::string_view task_id) {
  return execute(db, "DELETE FROM remote_slurm_jobs WHERE task_id = ?1", std::string(task_id));
}

}  // namespace lab::remote::slurm_jobs
