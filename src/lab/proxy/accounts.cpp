#include "accounts.hpp"
#include "schema.hpp"

#include <lab/auth/password.hpp>
#include <lab/proxy/proxy.hpp>
#include <lab/sys/clock.hpp>

#include <algorithm>

namespace lab::proxy {

Result<void> check_new_account(std::string_view name, std::string_view password) {
  auto name_char = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'; };
  if (name.size() < 2 || name.size() > 32 || !std::all_of(name.begin(), name.end(), name_char) || name[0] == '.' ||
      name[0] == '_' || name[0] == '-')
    return fail(Errc::invalid_argument,
                "a user name is 2 to 32 characters of a-z, 0-9, '.', '_' and '-', starting with a letter or digit");
  if (password.size() < kMinPasswordBytes)
    return fail(Errc::invalid_argument, "the password is too short; use at least 8 characters");
  if (password.size() > kMaxPasswordBytes)
    return fail(Errc::invalid_argument, "the password is too long; use at most 1024 characters");
  return {};
}

Result<ledger::User> create_account(ledger::Db& db, std::string_view name, std::string_view password, bool is_admin,
                                    std::int64_t now_ms) {
  if (auto ok = check_new_account(name, password); !ok) return std::unexpected(ok.error());
  auto hash = auth::hash_password(password);
  if (!hash) return std::unexpected(hash.error());
  auto user = ledger::create_user(db, name, *hash, is_admin, now_ms);
  if (!user && user.error().code == Errc::already_exists)
    return fail(Errc::already_exists, "the name '" + std::string(name) + "' is taken; pick another");
  return user;
}

Result<IssuedToken> issue_token(ledger::Db& db, std::int64_t user_id, int ttl_hours, std::int64_t now_ms) {
  auto token = auth::new_token();
  if (!token) return std::unexpected(token.error());
  IssuedToken out;
  out.expires_at_ms = now_ms + std::int64_t{std::max(1, ttl_hours)} * 3'600'000;
  auto s = ledger::create_session(db, auth::token_digest(*token), user_id, now_ms, out.expires_at_ms);
  if (!s) return std::unexpected(s.error());
  out.token = std::move(*token);
  return out;
}

Result<bool> check_password(const ledger::User* user, std::string_view password) {
  if (user) return auth::verify_password(password, user->password_hash);
  // Spend the same scrypt work on a hash no password matches.
  static const Result<std::string> dummy = auth::hash_password("lab-no-such-user-password");
  if (dummy) (void)auth::verify_password(password, *dummy);
  return false;
}

Result<ledger::User> add_user(const config::ProxyConfig& config, std::string_view name, std::string_view password,
                              bool is_admin) {
  if (auto ok = check_new_account(name, password); !ok) return std::unexpected(ok.error());
  auto db = open_proxy_db(config.database.path);
  if (!db) return std::unexpected(db.error());
  return create_account(**db, name, password, is_admin, sys::real_clock().now_ms());
}

}  // namespace lab::proxy
