#include <lab/auth/password.hpp>
#include <lab/demo/demo.hpp>
#include <lab/ledger/schema.hpp>
#include <lab/ledger/users.hpp>
#include <lab/sys/clock.hpp>

namespace lab::demo {

Result<SignIn> sign_in(const std::filesystem::path& proxy_db, const std::string& user, int ttl_hours) {
  auto db = ledger::open_ledger(proxy_db);
  if (!db) return std::unexpected(db.error());
  auto found = ledger::find_user(**db, user);
  std::int64_t now = sys::real_clock().now_ms();
  if (!found) {
    if (found.error().code != Errc::not_found) return std::unexpected(found.error());
    auto secret = auth::new_token();
    if (!secret) return std::unexpected(secret.error());
    auto hash = auth::hash_password(*secret);
    if (!hash) return std::unexpected(hash.error());
    found = ledger::create_user(**db, user, *hash, /*is_admin=*/false, now);
    if (!found) return std::unexpected(found.error());
  }
  auto token = auth::new_token();
  if (!token) return std::unexpected(token.error());
  SignIn out{*token, now + std::int64_t{ttl_hours} * 3600 * 1000};
  auto session = ledger::create_session(**db, auth::token_digest(*token), found->id, now, out.expires_at_ms);
  if (!session) return std::unexpected(session.error());
  return out;
}

}  // namespace lab::demo
