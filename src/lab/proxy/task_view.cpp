#include "task_view.hpp"

namespace lab::proxy {
namespace {

json opt(const std::optional<std::int64_t>& v) { return v ? json(*v) : json(nullptr); }

}  // namespace

Result<ledger::Task> visible_task(ledger::Db& db, const ledger::User& user, std::string_view id) {
  auto missing = [&] {
    return fail(Errc::not_found, "no task '" + std::string(id) + "'; `lab list` shows your tasks");
  };
  if (!ledger::valid_task_id(id)) return missing();
  auto task = ledger::get_task(db, id);
  if (!task) return task.error().code == Errc::not_found ? missing() : std::unexpected(task.error());
  if (!user.is_admin && task->user_id != user.id) return missing();
  return task;
}

std::optional<ledger::Task> visible_task_or_404(ledger::Db& db, const ledger::User& user, std::string_view id,
                                                httplib::Response& res) {
  auto task = visible_task(db, user, id);
  if (!task) {
    send_error(res, task.error());
    return std::nullopt;
  }
  return *task;
}

Result<json> TaskViews::view(const ledger::Task& t, bool with_events) {
  auto name = names_.find(t.user_id);
  if (name == names_.end()) {
    auto u = ledger::find_user(db_, t.user_id);
    if (!u) return std::unexpected(u.error());
    name = names_.emplace(t.user_id, u->name).first;
  }
  std::string snapshot, command;
  auto st = db_.prepare("SELECT snapshot, command FROM proxy_tasks WHERE task_id = ?");
  if (!st) return std::unexpected(st.error());
  st->bind(1, t.id);
  auto row = st->step();
  if (!row) return std::unexpected(row.error());
  if (*row) {
    snapshot = st->column_text(0);
    command = st->column_text(1);
  }
  json j = {{"id", t.id},
            {"name", t.name},
            {"user", name->second},
            {"state", ledger::to_string(t.state)},
            {"reason", t.state_reason},
            {"priority", t.priority > 0 ? "high" : "default"},
            {"command", command},
            {"resources",
             {{"gpus", t.gpus}, {"cpus", t.cpus}, {"memory_bytes", t.memory_bytes}, {"time_limit_s", t.time_limit_s}}},
            {"snapshot", snapshot},
            {"exit_code", opt(t.exit_code)},
            {"created_at_ms", t.created_at_ms},
            {"updated_at_ms", t.updated_at_ms},
            {"started_at_ms", opt(t.started_at_ms)},
            {"finished_at_ms", opt(t.finished_at_ms)}};
  if (with_events) {
    auto events = ledger::task_events(db_, t.id);
    if (!events) return std::unexpected(events.error());
    json list = json::array();
    for (const auto& e : *events)
      list.push_back({{"state", ledger::to_string(e.state)}, {"reason", e.reason}, {"at_ms", e.at_ms}});
    j["events"] = std::move(list);
  }
  return j;
}

}  // namespace lab::proxy
