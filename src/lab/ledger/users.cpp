#include <lab/ledger/users.hpp>

#include "query.hpp"

namespace lab::ledger {
namespace {

using detail::execute;
using detail::query;

constexpr std::string_view kUserColumns = "id, name, password_hash, is_admin, created_at_ms";

User read_user(const Statement& st) {
  return User{st.column_int64(0), st.column_text(1), st.column_text(2), st.column_int64(3) != 0, st.column_int64(4)};
}

Result<void> check_password_hash(std::string_view hash) {
  if (hash.size() < 2 || hash.front() != '$')
    return fail(Errc::invalid_argument,
                "a password must be stored as a PHC hash string (\"$argon2id$...\"), never as plaintext");
  return {};
}

template <class Key>
Result<User> find_one(Db& db, std::string_view where, const Key& key, const std::string& what) {
  auto st = query(db, "SELECT " + std::string(kUserColumns) + " FROM users WHERE " + std::string(where), key);
  if (!st) return std::unexpected(st.error());
  auto row = st->step();
  if (!row) return std::unexpected(row.error());
  if (!*row) return fail(Errc::not_found, "no user " + what);
  return read_user(*st);
}

}  // namespace

bool valid_user_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(name.front())) return false;
  for (char c : name)
    if (!alnum(c) && c != '.' && c != '_' && c != '-') return false;
  return true;
}

Result<User> create_user(Db& db, std::string_view name, std::string_view password_hash, bool is_admin,
                         std::int64_t now_ms) {
  if (!valid_user_name(name))
    return fail(Errc::invalid_argument, std::string(1, '\'').append(name).append(
                                            "' is not a valid user name: use 1-64 lowercase letters, digits, '.', "
                                            "'_' or '-', starting with a letter or digit"));
  if (auto r = check_password_hash(password_hash); !r) return std::unexpected(r.error());
  auto n = execute(db, "INSERT INTO users(name, password_hash, is_admin, created_at_ms) VALUES(?1, ?2, ?3, ?4)", name,
                   password_hash, is_admin ? 1 : 0, now_ms);
  if (!n) {
    if (n.error().code == Errc::conflict)
      return fail(Errc::already_exists, "the user name '" + std::string(name) + "' is taken; pick another");
    return std::unexpected(n.error());
  }
  return User{db.last_insert_rowid(), std::string(name), std::string(password_hash), is_admin, now_ms};
}

Result<User> find_user(Db& db, std::string_view name) {
  return find_one(db, "name = ?1", name, "named '" + std::string(name) + "'");
}

Result<User> find_user(Db& db, std::int64_t id) { return find_one(db, "id = ?1", id, "with id " + std::to_string(id)); }

Result<void> set_password_hash(Db& db, std::int64_t user_id, std::string_view password_hash) {
  if (auto r = check_password_hash(password_hash); !r) return r;
  auto n = execute(db, "UPDATE users SET password_hash = ?2 WHERE id = ?1", user_id, password_hash);
  if (!n) return std::unexpected(n.error());
  if (*n == 0) return fail(Errc::not_found, "no user with id " + std::to_string(user_id));
  return {};
}

Result<std::vector<User>> list_users(Db& db) {
  auto st = query(db, "SELECT " + std::string(kUserColumns) + " FROM users ORDER BY name");
  if (!st) return std::unexpected(st.error());
  std::vector<User> out;
  while (true) {
    auto row = st->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) return out;
    out.push_back(read_user(*st));
  }
}

}  // namespace lab::ledger
