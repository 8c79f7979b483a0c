#include "datasets.hpp"

namespace lab::proxy {
namespace {

constexpr const char* kColumns =
    "SELECT d.user_id, u.name, u.is_admin, d.name, d.manifest, d.files, d.bytes, d.created_at_ms, d.updated_at_ms "
    "FROM proxy_datasets d JOIN users u ON u.id = d.user_id ";

Dataset read_row(const ledger::Statement& st) {
  Dataset d;
  d.user_id = st.column_int64(0);
  d.owner = st.column_text(1);
  d.course_wide = st.column_int64(2) != 0;
  d.name = st.column_text(3);
  d.manifest = st.column_text(4);
  d.files = st.column_int64(5);
  d.bytes = st.column_int64(6);
  d.created_at_ms = st.column_int64(7);
  d.updated_at_ms = st.column_int64(8);
  return d;
}

Result<std::vector<Dataset>> read_all(ledger::Statement& st) {
  std::vector<Dataset> out;
  while (true) {
    auto row = st.step();
    if (!row) return std::unexpected(row.error());
    if (!*row) return out;
    out.push_back(read_row(st));
  }
}

}  // namespace

Result<DatasetSync> record_dataset(ledger::Db& db, const ledger::User& owner, const std::string& name,
                                   const std::string& manifest, std::int64_t files, std::int64_t bytes,
                                   std::int64_t now_ms) {
  DatasetSync out;
  auto tx = db.transaction([&](ledger::Db& t) -> Result<void> {
    auto old = t.prepare("SELECT manifest FROM proxy_datasets WHERE user_id = ? AND name = ?");
    if (!old) return std::unexpected(old.error());
    old->bind_all(owner.id, name);
    auto row = old->step();
    if (!row) return std::unexpected(row.error());
    if (*row) out.previous = old->column_text(0);
    auto up = t.prepare(
        "INSERT INTO proxy_datasets(user_id, name, manifest, files, bytes, created_at_ms, updated_at_ms) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(user_id, name) DO UPDATE SET "
        "manifest = excluded.manifest, files = excluded.files, bytes = excluded.bytes, "
        "updated_at_ms = excluded.updated_at_ms");
    if (!up) return std::unexpected(up.error());
    up->bind_all(owner.id, name, manifest, files, bytes, now_ms, now_ms);
    if (auto r = up->run(); !r) return r;
    auto got = t.prepare(std::string(kColumns) + "WHERE d.user_id = ? AND d.name = ?");
    if (!got) return std::unexpected(got.error());
    got->bind_all(owner.id, name);
    auto rows = read_all(*got);
    if (!rows) return std::unexpected(rows.error());
    if (rows->size() != 1) return fail(Errc::internal, "dataset " + name + " vanished while it was recorded");
    out.dataset = rows->front();
    return {};
  });
  if (!tx) return std::unexpected(tx.error());
  return out;
}

Result<Dataset> resolve_dataset(ledger::Db& db, const ledger::User& user, std::string_view name) {
  auto st = db.prepare(std::string(kColumns) +
                       "WHERE d.name = ? AND (d.user_id = ? OR u.is_admin = 1) "
                       "ORDER BY (d.user_id = ?) DESC, d.updated_at_ms DESC, d.user_id LIMIT 1");
  if (!st) return std::unexpected(st.error());
  st->bind_all(name, user.id, user.id);
  auto rows = read_all(*st);
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty())
    return fail(Errc::not_found, "dataset \"" + std::string(name) +
                                     "\" not found: you have no dataset of that name and no course-wide one has it; "
                                     "run `lab data list` to see the datasets you can use, or `lab data sync PATH --name " +
                                     std::string(name) + "` to upload it");
  return rows->front();
}

Result<std::vector<Dataset>> list_datasets(ledger::Db& db, const ledger::User& user, bool all) {
  std::string sql = std::string(kColumns);
  if (!all) sql += "WHERE d.user_id = ? OR u.is_admin = 1 ";
  sql += "ORDER BY d.name, (d.user_id = ?) DESC, d.updated_at_ms DESC, d.user_id";
  auto st = db.prepare(sql);
  if (!st) return std::unexpected(st.error());
  if (all) st->bind_all(user.id);
  else st->bind_all(user.id, user.id);
  return read_all(*st);
}

}  // namespace lab::proxy
