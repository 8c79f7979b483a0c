#include <lab/demo/web_password.hpp>

#include <lab/auth/password.hpp>
#include <lab/ledger/schema.hpp>
#include <lab/ledger/users.hpp>

namespace lab::demo {

Result<std::string> new_web_password(const std::filesystem::path& proxy_db, const std::string& user) {
  auto db = ledger::open_ledger(proxy_db);
  if (!db) return std::unexpected(db.error());
  auto found = ledger::find_user(**db, user);
  if (!found) return std::unexpected(found.error());
  auto secret = auth::new_token();  // "lab_" + 43 random base64url characters
  if (!secret) return std::unexpected(secret.error());
  const std::string password = secret->substr(4, 16);
  auto hash = auth::hash_password(password);
  if (!hash) return std::unexpected(hash.error());
  if (auto r = ledger::set_password_hash(**db, found->id, *hash); !r) return std::unexpected(r.error());
  return password;
}

}  // namespace lab::demo
