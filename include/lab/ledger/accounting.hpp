// Accounting: one row per finished task, written by `transition` in the same transaction
// that makes the task terminal (so a finished task is never unaccounted, nor counted twice).
// This header only reads.
#pragma once

#include <lab/ledger/db.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lab::ledger {

// The accounting row of one finished task.
struct UsageRecord {
  std::string task_id;
  std::int64_t user_id = 0;
  double wall_seconds = 0, gpu_seconds = 0, cpu_seconds = 0;
  std::int64_t recorded_at_ms = 0;
};

// Sums over a user's finished tasks.
struct UsageTotals {
  std::int64_t user_id = 0;
  std::string user_name;
  std::int64_t tasks = 0;
  double wall_seconds = 0, gpu_seconds = 0, cpu_seconds = 0;
};

// The accounting row of task `task_id`, or nullopt while the task has not finished.
Result<std::optional<UsageRecord>> task_usage(Db& db, std::string_view task_id);

// Totals of `user_id` over tasks finished at or after `since_ms` (0 = all time). A user with
// no finished task gets zeros; not_found if the user does not exist.
Result<UsageTotals> user_usage(Db& db, std::int64_t user_id, std::int64_t since_ms = 0);

// Totals of every user with at least one task finished at or after `since_ms`, most GPU time first.
Result<std::vector<UsageTotals>> usage_by_user(Db& db, std::int64_t since_ms = 0);

}  // namespace lab::ledger
