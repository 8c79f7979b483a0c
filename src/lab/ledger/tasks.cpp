#include <lab/ledger/tasks.hpp>

#include "query.hpp"
#include "task_row.hpp"

#include <chrono>
#include <cstdio>

namespace lab::ledger {
namespace {

using detail::execute;
using detail::query;

// "261122" for the UTC day of `now_ms`.
std::string utc_day(std::int64_t now_ms) {
  using namespace std::chrono;
  const auto day = floor<days>(sys_time<milliseconds>(milliseconds(now_ms)));
  const year_month_day ymd(day);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02d%02u%02u", static_cast<int>(ymd.year()) % 100, static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()));
  return buf;
}

Result<std::vector<Task>> read_tasks(Statement& st) {
  std::vector<Task> out;
  while (true) {
    auto row = st.step();
    if (!row) return std::unexpected(row.error());
    if (!*row) return out;
    auto t = detail::read_task(st);
    if (!t) return std::unexpected(t.error());
    out.push_back(std::move(*t));
  }
}

std::string states_json(const std::vector<TaskState>& states) {
  std::string json = "[";
  for (std::size_t i = 0; i < states.size(); ++i)
    json += (i ? ",\"" : "\"") + std::string(to_string(states[i])) + "\"";
  return json + "]";
}

// The next task id of the UTC day of `now_ms`, counted in `task_counters`.
Result<std::string> next_id(Db& tx, std::int64_t now_ms) {
  const std::string day = utc_day(now_ms);
  auto counter = query(tx,
                       "INSERT INTO task_counters(day, last) VALUES(?1, 1) "
                       "ON CONFLICT(day) DO UPDATE SET last = last + 1 RETURNING last",
                       day);
  if (!counter) return std::unexpected(counter.error());
  auto row = counter->step();
  if (!row) return std::unexpected(row.error());
  char num[24];
  std::snprintf(num, sizeof num, "%04lld", static_cast<long long>(counter->column_int64(0)));
  counter->reset();
  return "t-" + day + "-" + num;
}

}  // namespace

bool valid_task_id(std::string_view id) {
  if (id.size() < 13 || id.substr(0, 2) != "t-" || id[8] != '-') return false;
  for (std::size_t i = 2; i < id.size(); ++i)
    if (i != 8 && (id[i] < '0' || id[i] > '9')) return false;
  return true;
}

Result<Task> create_task(Db& db, const NewTask& nt, std::int64_t now_ms) {
  if (nt.name.empty()) return fail(Errc::invalid_argument, "a task needs a name");
  if (nt.initial != TaskState::uploading && nt.initial != TaskState::pending)
    return fail(Errc::invalid_argument, "a new task starts as uploading or pending, not " +
                                            std::string(to_string(nt.initial)));
  if (nt.gpus < 0 || nt.cpus < 0 || nt.memory_bytes < 0 || nt.time_limit_s < 0)
    return fail(Errc::invalid_argument, "task resources (gpus, cpus, memory, time limit) cannot be negative");
  if (nt.id && !valid_task_id(*nt.id))
    return fail(Errc::invalid_argument, "'" + *nt.id + "' is not a task id (expected t-YYMMDD-NNNN)");
  std::string id;
  auto r = db.transaction([&](Db& tx) -> Result<void> {
    auto check = query(tx, "SELECT json_valid(?1), EXISTS(SELECT 1 FROM users WHERE id = ?2)", nt.spec_json, nt.user_id);
    if (!check) return std::unexpected(check.error());
    if (auto row = check->step(); !row) return std::unexpected(row.error());
    if (check->column_int64(0) == 0)
      return fail(Errc::invalid_argument, "the specification of task '" + nt.name + "' is not valid JSON");
    if (check->column_int64(1) == 0)
      return fail(Errc::not_found, "no user with id " + std::to_string(nt.user_id) + " to own the task");
    check->reset();
    if (nt.id) {
      auto taken = query(tx, "SELECT EXISTS(SELECT 1 FROM tasks WHERE id = ?1)", *nt.id);
      if (!taken) return std::unexpected(taken.error());
      if (auto row = taken->step(); !row) return std::unexpected(row.error());
      if (taken->column_int64(0) != 0) return fail(Errc::already_exists, "task " + *nt.id + " already exists");
      id = *nt.id;
    } else {
      auto next = next_id(tx, now_ms);
      if (!next) return std::unexpected(next.error());
      id = std::move(*next);
    }
    auto ins = query(tx,
                     "INSERT INTO tasks(id, user_id, name, spec_json, state, state_reason, priority, gpus, cpus, "
                     "memory_bytes, time_limit_s, manifest_key, created_at_ms, updated_at_ms) "
                     "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13)",
                     id, nt.user_id, nt.name, nt.spec_json, to_string(nt.initial), nt.reason, nt.priority, nt.gpus,
                     nt.cpus, nt.memory_bytes, nt.time_limit_s, nt.manifest_key, now_ms);
    if (!ins) return std::unexpected(ins.error());
    if (auto e = ins->run(); !e) return e;
    auto ev = execute(tx, "INSERT INTO task_events(task_id, seq, state, reason, at_ms) VALUES(?1, 1, ?2, ?3, ?4)", id,
                      to_string(nt.initial), nt.reason, now_ms);
    if (!ev) return std::unexpected(ev.error());
    return {};
  });
  if (!r) return std::unexpected(r.error());
  return get_task(db, id);
}

Result<Task> get_task(Db& db, std::string_view id) {
  auto st = query(db, std::string(detail::kTaskSelect) + " WHERE id = ?1", id);
  if (!st) return std::unexpected(st.error());
  auto rows = read_tasks(*st);
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty()) return fail(Errc::not_found, "no task " + std::string(id) + "; `lab list` shows your tasks");
  return std::move(rows->front());
}

Result<TaskPage> list_tasks(Db& db, const TaskQuery& q) {
  if (q.limit < 1 || q.limit > 1000) return fail(Errc::invalid_argument, "a page holds 1 to 1000 tasks");
  std::optional<std::string> states;
  if (!q.states.empty()) states = states_json(q.states);
  auto st = query(db,
                  std::string(detail::kTaskSelect) +
                      " WHERE (?1 IS NULL OR user_id = ?1) AND (?2 IS NULL OR seq < ?2)"
                      " AND (?3 IS NULL OR state IN (SELECT value FROM json_each(?3)))"
                      " AND (?5 IS NULL OR instr(lower(name), lower(?5)) > 0)"
                      " ORDER BY seq DESC LIMIT ?4",
                  q.user_id, q.before_seq, states, q.limit + 1, q.name_contains);
  if (!st) return std::unexpected(st.error());
  auto rows = read_tasks(*st);
  if (!rows) return std::unexpected(rows.error());
  TaskPage page;
  if (static_cast<int>(rows->size()) > q.limit) {
    rows->pop_back();
    page.next_before = rows->back().seq;
  }
  page.tasks = std::move(*rows);
  return page;
}

Result<std::vector<Task>> list_active_tasks(Db& db) {
  auto st = query(db, std::string(detail::kTaskSelect) +
                          " WHERE state NOT IN ('completed', 'failed', 'cancelled') ORDER BY seq");
  if (!st) return std::unexpected(st.error());
  return read_tasks(*st);
}

Result<std::vector<TaskEvent>> task_events(Db& db, std::string_view id) {
  if (auto t = get_task(db, id); !t) return std::unexpected(t.error());
  auto st = query(db, "SELECT seq, state, reason, at_ms FROM task_events WHERE task_id = ?1 ORDER BY seq", id);
  if (!st) return std::unexpected(st.error());
  std::vector<TaskEvent> out;
  while (true) {
    auto row = st->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) return out;
    auto state = parse_task_state(st->column_text(1));
    if (!state)
      return fail(Errc::corrupt, "task " + std::string(id) + " has an event with unknown state '" + st->column_text(1) + "'");
    out.push_back(TaskEvent{st->column_int64(0), *state, st->column_text(2), st->column_int64(3)});
  }
}

Result<void> set_manifest_key(Db& db, std::string_view id, std::string_view key, std::int64_t now_ms) {
  auto n = execute(db, "UPDATE tasks SET manifest_key = ?2, updated_at_ms = ?3 WHERE id = ?1", id, key, now_ms);
  if (!n) return std::unexpected(n.error());
  if (*n == 0) return fail(Errc::not_found, "no task " + std::string(id));
  return {};
}

}  // namespace lab::ledger
