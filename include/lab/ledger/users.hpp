// Users and their login sessions. Passwords are stored only as PHC strings made elsewhere
// ("$argon2id$..."); session tokens only as the SHA-256 of the token, in lowercase hex.
// Every function takes the caller's `Db&` and may run inside `db.transaction(...)`.
#pragma once

#include <lab/ledger/db.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lab::ledger {

struct User {
  std::int64_t id = 0;
  std::string name;
  std::string password_hash;  // PHC string, never plaintext
  bool is_admin = false;
  std::int64_t created_at_ms = 0;
};

// Whether `name` can be a user name: 1-64 characters of [a-z0-9._-], starting with a letter or digit.
bool valid_user_name(std::string_view name);

// Adds a user. Fails with invalid_argument for a bad name or a `password_hash` that is not
// a PHC string (must start with '$'), already_exists if the name is taken.
Result<User> create_user(Db& db, std::string_view name, std::string_view password_hash, bool is_admin,
                         std::int64_t now_ms);

// The user named `name`, or Errc::not_found.
Result<User> find_user(Db& db, std::string_view name);

// The user with `id`, or Errc::not_found.
Result<User> find_user(Db& db, std::int64_t id);

// Replaces a user's password hash (same checks as `create_user`); not_found if no such user.
Result<void> set_password_hash(Db& db, std::int64_t user_id, std::string_view password_hash);

// All users, by name.
Result<std::vector<User>> list_users(Db& db);

struct Session {
  std::string token_hash;  // 64 lowercase hex characters: SHA-256 of the bearer token
  std::int64_t user_id = 0;
  std::int64_t created_at_ms = 0;
  std::int64_t expires_at_ms = 0;
  std::int64_t last_seen_ms = 0;
};

// How stale `last_seen_ms` may get before `lookup_session` writes it again (saves a write per request).
inline constexpr std::int64_t kSessionTouchIntervalMs = 60'000;

// Records a new session. invalid_argument if `token_hash` is not 64 lowercase hex characters
// or `expires_at_ms` <= `now_ms`; not_found if the user does not exist; already_exists if
// the hash is already recorded.
Result<Session> create_session(Db& db, std::string_view token_hash, std::int64_t user_id, std::int64_t now_ms,
                               std::int64_t expires_at_ms);

// The live session with `token_hash`: not_found if none, unauthenticated if it expired (the
// expired row is deleted). Refreshes `last_seen_ms` when older than kSessionTouchIntervalMs.
Result<Session> lookup_session(Db& db, std::string_view token_hash, std::int64_t now_ms);

// Ends one session (logout). true if it existed.
Result<bool> delete_session(Db& db, std::string_view token_hash);

// Ends every session of a user (password change). Returns how many were removed.
Result<int> delete_user_sessions(Db& db, std::int64_t user_id);

// Removes sessions whose `expires_at_ms` <= `now_ms`. Returns how many were removed.
Result<int> delete_expired_sessions(Db& db, std::int64_t now_ms);

}  // namespace lab::ledger
