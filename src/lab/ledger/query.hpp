// Small helpers shared by the ledger repositories (private to src/lab/ledger/).
#pragma once

#include <lab/ledger/db.hpp>

#include <string>
#include <string_view>

namespace lab::ledger::detail {

// `sql` prepared with `args` bound from parameter 1, ready to step.
template <class... Ts>
Result<Statement> query(Db& db, std::string_view sql, const Ts&... args) {
  auto st = db.prepare(sql);
  if (!st) return st;
  st->bind_all(args...);
  return st;
}

// Runs `sql` (which returns no rows) with `args`; returns the number of rows it changed.
template <class... Ts>
Result<int> execute(Db& db, std::string_view sql, const Ts&... args) {
  auto st = query(db, sql, args...);
  if (!st) return std::unexpected(st.error());
  if (auto r = st->run(); !r) return std::unexpected(r.error());
  return db.changes();
}

// Whether `s` is 1..max characters, each a lowercase hex digit.
inline bool is_lower_hex(std::string_view s, std::size_t exact_length) {
  if (s.size() != exact_length) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

}  // namespace lab::ledger::detail
