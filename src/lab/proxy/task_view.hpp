// Tasks as the API shows them (docs/api.md, "Tasks"), and the access rule: a student sees
// only their own tasks, an admin every task. Private to lab::proxy.
#pragma once

#include "http.hpp"

#include <lab/ledger/tasks.hpp>

#include <map>
#include <optional>
#include <string>

namespace lab::proxy {

// Task `id` if `user` may see it. Another user's task answers not_found exactly as a missing
// one ("no task 'x'"), so ids do not leak.
Result<ledger::Task> visible_task(ledger::Db& db, const ledger::User& user, std::string_view id);

// Like `visible_task`, but sends the error and returns nullopt.
std::optional<ledger::Task> visible_task_or_404(ledger::Db& db, const ledger::User& user, std::string_view id,
                                                httplib::Response& res);

// Builds Task objects, remembering user names and proxy rows it already looked up.
class TaskViews {
 public:
  explicit TaskViews(ledger::Db& db) : db_(db) {}
  // The Task object; with its `events` when `with_events`.
  Result<json> view(const ledger::Task& task, bool with_events = false);

 private:
  ledger::Db& db_;
  std::map<std::int64_t, std::string> names_;
};

}  // namespace lab::proxy
