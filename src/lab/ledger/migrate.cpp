#include <lab/ledger/db.hpp>

namespace lab::ledger {
namespace {

Result<void> ensure_versions_table(Db& db) {
  return db.exec(
      "CREATE TABLE IF NOT EXISTS schema_versions ("
      " component TEXT PRIMARY KEY, version INTEGER NOT NULL, applied_at_ms INTEGER NOT NULL)");
}

}  // namespace

Result<int> schema_version(Db& db, std::string_view component) {
  if (auto r = ensure_versions_table(db); !r) return std::unexpected(r.error());
  auto st = db.prepare("SELECT version FROM schema_versions WHERE component = ?1");
  if (!st) return std::unexpected(st.error());
  st->bind(1, component);
  auto row = st->step();
  if (!row) return std::unexpected(row.error());
  return *row ? static_cast<int>(st->column_int64(0)) : 0;
}

Result<void> migrate(Db& db, std::string_view component, std::span<const Migration> migrations) {
  for (std::size_t i = 0; i < migrations.size(); ++i)
    if (migrations[i].version != static_cast<int>(i) + 1)
      return fail(Errc::internal, "migrations of '" + std::string(component) + "' must be numbered 1, 2, 3, ...");
  const int known = static_cast<int>(migrations.size());
  auto current = schema_version(db, component);
  if (!current) return std::unexpected(current.error());
  if (*current > known)
    return fail(Errc::conflict,
                "the ledger " + db.path().string() + " was written by a newer lab (schema '" +
                    std::string(component) + "' version " + std::to_string(*current) +
                    ", this binary knows up to " + std::to_string(known) +
                    "); run the newer lab binary, or restore a backup made with this one");
  for (int v = *current + 1; v <= known; ++v) {
    auto r = db.transaction([&](Db& tx) -> Result<void> {
      // Another process may have applied this step between our read above and the write
      // lock taken by BEGIN IMMEDIATE: read again under the lock and skip what is done.
      auto now = schema_version(tx, component);
      if (!now) return std::unexpected(now.error());
      if (*now >= v) return {};
      if (auto e = tx.exec(migrations[static_cast<std::size_t>(v - 1)].sql); !e) return e;
      auto st = tx.prepare(
          "INSERT INTO schema_versions(component, version, applied_at_ms) VALUES(?1, ?2, "
          "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)) "
          "ON CONFLICT(component) DO UPDATE SET version = excluded.version, applied_at_ms = excluded.applied_at_ms");
      if (!st) return std::unexpected(st.error());
      st->bind_all(component, v);
      return st->run();
    });
    if (!r)
      return fail_with_context(r.error(), "applying migration " + std::to_string(v) + " of '" + std::string(component) + "'");
  }
  return {};
}

}  // namespace lab::ledger
