#include <lab/ledger/accounting.hpp>

#include "query.hpp"

namespace lab::ledger {
namespace {

using detail::query;

constexpr std::string_view kTotals =
    "SELECT u.id, u.name, count(a.task_id), coalesce(sum(a.wall_seconds), 0), coalesce(sum(a.gpu_seconds), 0), "
    "coalesce(sum(a.cpu_seconds), 0) FROM users AS u ";

UsageTotals read_totals(const Statement& st) {
  return UsageTotals{st.column_int64(0),  st.column_text(1),   st.column_int64(2),
                     st.column_double(3), st.column_double(4), st.column_double(5)};
}

}  // namespace

Result<std::optional<UsageRecord>> task_usage(Db& db, std::string_view task_id) {
  auto st = query(db,
                  "SELECT task_id, user_id, wall_seconds, gpu_seconds, cpu_seconds, recorded_at_ms FROM accounting "
                  "WHERE task_id = ?1",
                  task_id);
  if (!st) return std::unexpected(st.error());
  auto row = st->step();
  if (!row) return std::unexpected(row.error());
  if (!*row) return std::optional<UsageRecord>();
  return UsageRecord{st->column_text(0),   st->column_int64(1),  st->column_double(2),
                     st->column_double(3), st->column_double(4), st->column_int64(5)};
}

Result<UsageTotals> user_usage(Db& db, std::int64_t user_id, std::int64_t since_ms) {
  auto st = query(db,
                  std::string(kTotals) +
                      "LEFT JOIN accounting AS a ON a.user_id = u.id AND a.recorded_at_ms >= ?2 "
                      "WHERE u.id = ?1 GROUP BY u.id",
                  user_id, since_ms);
  if (!st) return std::unexpected(st.error());
  auto row = st->step();
  if (!row) return std::unexpected(row.error());
  if (!*row) return fail(Errc::not_found, "no user with id " + std::to_string(user_id));
  return read_totals(*st);
}

Result<std::vector<UsageTotals>> usage_by_user(Db& db, std::int64_t since_ms) {
  auto st = query(db,
                  std::string(kTotals) +
                      "JOIN accounting AS a ON a.user_id = u.id WHERE a.recorded_at_ms >= ?1 "
                      "GROUP BY u.id ORDER BY sum(a.gpu_seconds) DESC, u.name",
                  since_ms);
  if (!st) return std::unexpected(st.error());
  std::vector<UsageTotals> out;
  while (true) {
    auto row = st->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) return out;
    out.push_back(read_totals(*st));
  }
}

}  // namespace lab::ledger
