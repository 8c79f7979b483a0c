#include "schema.hpp"

#include <lab/ledger/schema.hpp>
#include <lab/transport/durable.hpp>

#include <array>

namespace lab::proxy {
namespace {

constexpr std::array<ledger::Migration, 3> kMigrations = {{
    {1,
     // What the proxy knows about a task beyond the ledger's row: the snapshot it runs and
     // the shell line sent to the remote.
     "CREATE TABLE proxy_tasks ("
     "  task_id  TEXT PRIMARY KEY REFERENCES tasks(id) ON DELETE CASCADE,"
     "  snapshot TEXT NOT NULL,"
     "  command  TEXT NOT NULL) STRICT, WITHOUT ROWID;"
     // A task's log: the byte length received so far ...
     "CREATE TABLE proxy_logs ("
     "  task_id TEXT PRIMARY KEY REFERENCES tasks(id) ON DELETE CASCADE,"
     "  length  INTEGER NOT NULL CHECK (length >= 0)) STRICT, WITHOUT ROWID;"
     // ... and its chunks, keyed by the byte offset of their first byte.
     "CREATE TABLE proxy_log_chunks ("
     "  task_id TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,"
     "  start   INTEGER NOT NULL CHECK (start >= 0),"
     "  data    BLOB NOT NULL,"
     "  PRIMARY KEY (task_id, start)) STRICT, WITHOUT ROWID;"
     // Content hashes of result files, computed once when first listed.
     "CREATE TABLE proxy_result_hashes ("
     "  key  TEXT PRIMARY KEY,"
     "  size INTEGER NOT NULL,"
     "  hash TEXT NOT NULL) STRICT, WITHOUT ROWID;"},
    {2,
     // A task's metrics lines (docs/metrics.md), kept like its log: length and chunks.
     "CREATE TABLE proxy_metrics ("
     "  task_id TEXT PRIMARY KEY REFERENCES tasks(id) ON DELETE CASCADE,"
     "  length  INTEGER NOT NULL CHECK (length >= 0)) STRICT, WITHOUT ROWID;"
     "CREATE TABLE proxy_metric_chunks ("
     "  task_id TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,"
     "  start   INTEGER NOT NULL CHECK (start >= 0),"
     "  data    BLOB NOT NULL,"
     "  PRIMARY KEY (task_id, start)) STRICT, WITHOUT ROWID;"},
    {3,
     // Datasets (docs/api.md, "Datasets"): a name per owner pointing at the manifest of its
     // latest sync, stored at datasets/<manifest>/manifest.json.
     "CREATE TABLE proxy_datasets ("
     "  user_id       INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
     "  name          TEXT NOT NULL,"
     "  manifest      TEXT NOT NULL CHECK (length(manifest) = 32),"
     "  files         INTEGER NOT NULL CHECK (files >= 0),"
     "  bytes         INTEGER NOT NULL CHECK (bytes >= 0),"
     "  created_at_ms INTEGER NOT NULL,"
     "  updated_at_ms INTEGER NOT NULL,"
     "  PRIMARY KEY (user_id, name)) STRICT, WITHOUT ROWID;"
     "CREATE INDEX proxy_datasets_by_name ON proxy_datasets(name);"},
}};

}  // namespace

Result<void> migrate_proxy(ledger::Db& db) { return ledger::migrate(db, kProxyComponent, kMigrations); }

Result<std::unique_ptr<ledger::Db>> open_proxy_db(const std::filesystem::path& path) {
  if (path.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
  }
  auto db = ledger::open_ledger(path);
  if (!db) return db;
  if (auto r = transport::ensure_schema(**db); !r) return std::unexpected(r.error());
  if (auto r = migrate_proxy(**db); !r) return std::unexpected(r.error());
  return db;
}

}  // namespace lab::proxy
