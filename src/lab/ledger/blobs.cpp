#include <lab/ledger/blobs.hpp>

#include "query.hpp"

namespace lab::ledger {
namespace {

using detail::execute;
using detail::query;

// Appends rather than `"'" + std::string(hash)`, which g++ 12 flags with a false stringop-overflow.
std::unexpected<Error> bad_hash(std::string_view hash) {
  std::string msg(1, '\'');
  msg.append(hash).append("' is not a blob hash (expected letters, digits, ':', '.', '_' or '-')");
  return fail(Errc::invalid_argument, std::move(msg));
}

// The hashes as one JSON array, for json_each(): one bound parameter however long the list.
// Fails for a hash that is not `valid_blob_hash` (which also makes escaping unnecessary).
Result<std::string> json_list(std::span<const std::string> hashes) {
  std::string json(1, '[');
  for (const std::string& h : hashes) {
    if (!valid_blob_hash(h)) return bad_hash(h);
    if (json.size() > 1) json.push_back(',');
    json.push_back('"');
    json.append(h.data(), h.size());
    json.push_back('"');
  }
  json.push_back(']');
  return json;
}

}  // namespace

bool valid_blob_hash(std::string_view hash) {
  if (hash.empty() || hash.size() > 128) return false;
  for (char c : hash) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ':' || c == '.' ||
              c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

Result<void> put_blob(Db& db, std::string_view hash, std::int64_t size, std::int64_t now_ms) {
  if (!valid_blob_hash(hash)) return bad_hash(hash);
  if (size < 0) return fail(Errc::invalid_argument, "blob " + std::string(hash) + " cannot have a negative size");
  auto st = query(db,
                  "INSERT INTO blobs(hash, size, stored_at_ms, last_used_at_ms) VALUES(?1, ?2, ?3, ?3) "
                  "ON CONFLICT(hash) DO UPDATE SET last_used_at_ms = max(last_used_at_ms, excluded.last_used_at_ms) "
                  "RETURNING size",
                  hash, size, now_ms);
  if (!st) return std::unexpected(st.error());
  auto row = st->step();
  if (!row) return std::unexpected(row.error());
  const std::int64_t stored = st->column_int64(0);
  st->reset();
  if (stored != size)
    return fail(Errc::corrupt, "blob " + std::string(hash) + " is indexed with " + std::to_string(stored) +
                                   " bytes but was stored again with " + std::to_string(size) +
                                   "; the storage holds two different contents under one hash");
  return {};
}

Result<std::optional<BlobEntry>> find_blob(Db& db, std::string_view hash) {
  auto st = query(db, "SELECT hash, size, stored_at_ms, last_used_at_ms FROM blobs WHERE hash = ?1", hash);
  if (!st) return std::unexpected(st.error());
  auto row = st->step();
  if (!row) return std::unexpected(row.error());
  if (!*row) return std::optional<BlobEntry>();
  return BlobEntry{st->column_text(0), st->column_int64(1), st->column_int64(2), st->column_int64(3)};
}

Result<std::vector<std::string>> missing_blobs(Db& db, std::span<const std::string> hashes) {
  auto json = json_list(hashes);
  if (!json) return std::unexpected(json.error());
  auto st = query(db,
                  "SELECT j.value FROM json_each(?1) AS j "
                  "WHERE NOT EXISTS (SELECT 1 FROM blobs AS b WHERE b.hash = j.value) "
                  "GROUP BY j.value ORDER BY min(j.key)",
                  *json);
  if (!st) return std::unexpected(st.error());
  std::vector<std::string> out;
  while (true) {
    auto row = st->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) return out;
    out.push_back(st->column_text(0));
  }
}

Result<int> touch_blobs(Db& db, std::span<const std::string> hashes, std::int64_t now_ms) {
  auto json = json_list(hashes);
  if (!json) return std::unexpected(json.error());
  return execute(db,
                 "UPDATE blobs SET last_used_at_ms = max(last_used_at_ms, ?2) "
                 "WHERE hash IN (SELECT value FROM json_each(?1))",
                 *json, now_ms);
}

Result<std::vector<BlobEntry>> blobs_unused_since(Db& db, std::int64_t before_ms, int limit) {
  auto st = query(db,
                  "SELECT hash, size, stored_at_ms, last_used_at_ms FROM blobs WHERE last_used_at_ms < ?1 "
                  "ORDER BY last_used_at_ms LIMIT ?2",
                  before_ms, limit);
  if (!st) return std::unexpected(st.error());
  std::vector<BlobEntry> out;
  while (true) {
    auto row = st->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) return out;
    out.push_back(BlobEntry{st->column_text(0), st->column_int64(1), st->column_int64(2), st->column_int64(3)});
  }
}

Result<bool> forget_blob(Db& db, std::string_view hash) {
  auto n = execute(db, "DELETE FROM blobs WHERE hash = ?1", hash);
  if (!n) return std::unexpected(n.error());
  return *n > 0;
}

}  // namespace lab::ledger
