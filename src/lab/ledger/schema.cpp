#include <lab/ledger/schema.hpp>

namespace lab::ledger {
namespace {

// Version 1: people, their sessions, tasks and the tasks' state history.
constexpr std::string_view kV1 = R"sql(
CREATE TABLE users (
  id            INTEGER PRIMARY KEY,
  name          TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL CHECK (substr(password_hash, 1, 1) = '$'),
  is_admin      INTEGER NOT NULL DEFAULT 0 CHECK (is_admin IN (0, 1)),
  created_at_ms INTEGER NOT NULL
) STRICT;

CREATE TABLE sessions (
  token_hash    TEXT PRIMARY KEY CHECK (length(token_hash) = 64),
  user_id       INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at_ms INTEGER NOT NULL,
  expires_at_ms INTEGER NOT NULL,
  last_seen_ms  INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX sessions_by_user ON sessions(user_id);
CREATE INDEX sessions_by_expiry ON sessions(expires_at_ms);

CREATE TABLE task_counters (
  day  TEXT PRIMARY KEY,
  last INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE tasks (
  seq            INTEGER PRIMARY KEY AUTOINCREMENT,
  id             TEXT NOT NULL UNIQUE,
  user_id        INTEGER NOT NULL REFERENCES users(id),
  name           TEXT NOT NULL,
  spec_json      TEXT NOT NULL CHECK (json_valid(spec_json)),
  state          TEXT NOT NULL CHECK (state IN ('uploading', 'pending', 'preparing', 'queued',
                                                'running', 'completed', 'failed', 'cancelled')),
  state_reason   TEXT NOT NULL DEFAULT '',
  exit_code      INTEGER,
  priority       INTEGER NOT NULL DEFAULT 0,
  gpus           INTEGER NOT NULL DEFAULT 0 CHECK (gpus >= 0),
  cpus           INTEGER NOT NULL DEFAULT 1 CHECK (cpus >= 0),
  memory_bytes   INTEGER NOT NULL DEFAULT 0 CHECK (memory_bytes >= 0),
  time_limit_s   INTEGER NOT NULL DEFAULT 0 CHECK (time_limit_s >= 0),
  manifest_key   TEXT,
  executor       TEXT,
  executor_ref   TEXT,
  attempts       INTEGER NOT NULL DEFAULT 0,
  run_ms         INTEGER NOT NULL DEFAULT 0,
  created_at_ms  INTEGER NOT NULL,
  updated_at_ms  INTEGER NOT NULL,
  started_at_ms  INTEGER,
  finished_at_ms INTEGER
) STRICT;
CREATE INDEX tasks_by_user ON tasks(user_id, seq);
CREATE INDEX tasks_active ON tasks(seq) WHERE state NOT IN ('completed', 'failed', 'cancelled');

CREATE TABLE task_events (
  task_id TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
  seq     INTEGER NOT NULL CHECK (seq >= 1),
  state   TEXT NOT NULL,
  reason  TEXT NOT NULL,
  at_ms   INTEGER NOT NULL,
  PRIMARY KEY (task_id, seq)
) STRICT, WITHOUT ROWID;
)sql";

// Version 2: the index of content-addressed blobs held by this role's storage.
constexpr std::string_view kV2 = R"sql(
CREATE TABLE blobs (
  hash            TEXT PRIMARY KEY,
  size            INTEGER NOT NULL CHECK (size >= 0),
  stored_at_ms    INTEGER NOT NULL,
  last_used_at_ms INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX blobs_by_last_use ON blobs(last_used_at_ms);
)sql";

// Version 3: accounting, one row per finished task; backfills tasks that finished before it.
constexpr std::string_view kV3 = R"sql(
CREATE TABLE accounting (
  task_id        TEXT PRIMARY KEY REFERENCES tasks(id) ON DELETE CASCADE,
  user_id        INTEGER NOT NULL REFERENCES users(id),
  wall_seconds   REAL NOT NULL CHECK (wall_seconds >= 0),
  gpu_seconds    REAL NOT NULL CHECK (gpu_seconds >= 0),
  cpu_seconds    REAL NOT NULL CHECK (cpu_seconds >= 0),
  recorded_at_ms INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX accounting_by_user ON accounting(user_id, recorded_at_ms);
INSERT INTO accounting(task_id, user_id, wall_seconds, gpu_seconds, cpu_seconds, recorded_at_ms)
  SELECT id, user_id, run_ms / 1000.0, run_ms / 1000.0 * gpus, run_ms / 1000.0 * cpus,
         coalesce(finished_at_ms, updated_at_ms)
  FROM tasks WHERE state IN ('completed', 'failed', 'cancelled');
)sql";

// Version 4: a user's usage is summed from one covering index, with no table lookup per
// finished task (the dashboard's usage stays fast after a semester of tasks).
constexpr std::string_view kV4 = R"sql(
DROP INDEX accounting_by_user;
CREATE INDEX accounting_by_user
  ON accounting(user_id, recorded_at_ms, wall_seconds, gpu_seconds, cpu_seconds);
)sql";

constexpr Migration kMigrations[] = {{1, kV1}, {2, kV2}, {3, kV3}, {4, kV4}};

}  // namespace

std::span<const Migration> ledger_migrations() { return kMigrations; }

Result<void> migrate_ledger(Db& db) { return migrate(db, kLedgerComponent, kMigrations); }

Result<std::unique_ptr<Db>> open_ledger(const std::filesystem::path& path, const OpenOptions& options) {
  auto db = Db::open(path, options);
  if (!db) return db;
  if (auto r = migrate_ledger(**db); !r) return std::unexpected(r.error());
  return db;
}

}  // namespace lab::ledger
