#include <lab/ledger/users.hpp>

#include "query.hpp"

namespace lab::ledger {
namespace {

using detail::execute;
using detail::query;

Result<void> check_token_hash(std::string_view token_hash) {
  if (!detail::is_lower_hex(token_hash, 64))
    return fail(Errc::invalid_argument, "a session is keyed by the SHA-256 of its token as 64 lowercase hex characters");
  return {};
}

}  // namespace

Result<Session> create_session(Db& db, std::string_view token_hash, std::int64_t user_id, std::int64_t now_ms,
                               std::int64_t expires_at_ms) {
  if (auto r = check_token_hash(token_hash); !r) return std::unexpected(r.error());
  if (expires_at_ms <= now_ms) return fail(Errc::invalid_argument, "a new session must expire in the future");
  Session s{std::string(token_hash), user_id, now_ms, expires_at_ms, now_ms};
  auto r = db.transaction([&](Db& tx) -> Result<void> {
    if (auto u = find_user(tx, user_id); !u) return std::unexpected(u.error());
    auto n = execute(tx,
                     "INSERT INTO sessions(token_hash, user_id, created_at_ms, expires_at_ms, last_seen_ms) "
                     "VALUES(?1, ?2, ?3, ?4, ?3)",
                     token_hash, user_id, now_ms, expires_at_ms);
    if (!n && n.error().code == Errc::conflict) return fail(Errc::already_exists, "that session token is already in use");
    if (!n) return std::unexpected(n.error());
    return {};
  });
  if (!r) return std::unexpected(r.error());
  return s;
}

Result<Session> lookup_session(Db& db, std::string_view token_hash, std::int64_t now_ms) {
  if (auto r = check_token_hash(token_hash); !r) return std::unexpected(r.error());
  Session s;
  {
    auto st = query(db,
                    "SELECT token_hash, user_id, created_at_ms, expires_at_ms, last_seen_ms FROM sessions "
                    "WHERE token_hash = ?1",
                    token_hash);
    if (!st) return std::unexpected(st.error());
    auto row = st->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) return fail(Errc::not_found, "no such session; log in again");
    s = Session{st->column_text(0), st->column_int64(1), st->column_int64(2), st->column_int64(3), st->column_int64(4)};
  }
  if (s.expires_at_ms <= now_ms) {
    if (auto d = delete_session(db, token_hash); !d) return std::unexpected(d.error());
    return fail(Errc::unauthenticated, "the session expired; log in again");
  }
  if (now_ms - s.last_seen_ms >= kSessionTouchIntervalMs) {
    auto n = execute(db, "UPDATE sessions SET last_seen_ms = ?2 WHERE token_hash = ?1", token_hash, now_ms);
    if (!n) return std::unexpected(n.error());
    s.last_seen_ms = now_ms;
  }
  return s;
}

Result<bool> delete_session(Db& db, std::string_view token_hash) {
  auto n = execute(db, "DELETE FROM sessions WHERE token_hash = ?1", token_hash);
  if (!n) return std::unexpected(n.error());
  return *n > 0;
}

Result<int> delete_user_sessions(Db& db, std::int64_t user_id) {
  return execute(db, "DELETE FROM sessions WHERE user_id = ?1", user_id);
}

Result<int> delete_expired_sessions(Db& db, std::int64_t now_ms) {
  return execute(db, "DELETE FROM sessions WHERE expires_at_ms <= ?1", now_ms);
}

}  // namespace lab::ledger
