// Account rules shared by the API and `lab proxy user add`: name and password checks,
// password hashing, and issuing a session token. Private to lab::proxy.
#pragma once

#include <lab/ledger/db.hpp>
#include <lab/ledger/users.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace lab::proxy {

// Longest password accepted (scrypt reads all of it; this bounds the work per request).
inline constexpr std::size_t kMaxPasswordBytes = 1024;
inline constexpr std::size_t kMinPasswordBytes = 8;

// Ok if `name` is 2-32 characters of a-z 0-9 . _ - starting with a letter or digit, and
// `password` is 8..1024 bytes; else invalid_argument saying which rule is broken.
Result<void> check_new_account(std::string_view name, std::string_view password);

// Hashes the password and creates the user (in `db`'s open transaction, if any).
// already_exists when the name is taken.
Result<ledger::User> create_account(ledger::Db& db, std::string_view name, std::string_view password, bool is_admin,
                                    std::int64_t now_ms);

// A new session for `user_id`, valid for `ttl_hours`: the token (shown once, never stored)
// and its expiry.
struct IssuedToken {
  std::string token;
  std::int64_t expires_at_ms = 0;
};
Result<IssuedToken> issue_token(ledger::Db& db, std::int64_t user_id, int ttl_hours, std::int64_t now_ms);

// True if `password` is the user's. Takes the same time whether or not the user exists
// (pass nullptr), so timing does not tell which names are taken.
Result<bool> check_password(const ledger::User* user, std::string_view password);

}  // namespace lab::proxy
