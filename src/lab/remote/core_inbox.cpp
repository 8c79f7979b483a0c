// The Core's inbound side: submit_task and cancel_task from the proxy, and the preparing step
// that turns a submitted task into one the executor can run.
#include "core.hpp"

#include <lab/config/units.hpp>
#include <lab/ledger/users.hpp>

namespace lab::remote {
namespace {

// Marks the remote's own copies of users: they never log in here.
constexpr std::string_view kNoLogin = "$remote$no-login";

// The task's priority from its spec: 1 for "high", else 0.
std::int64_t priority_of(const nlohmann::json& spec) {
  return spec.is_object() && spec.contains("priority") && spec["priority"] == "high" ? 1 : 0;
}

}  // namespace

Result<void> Core::apply(const proto::Message& message, ledger::Db& tx, AfterCommit& after) {
  if (const auto* s = std::get_if<proto::SubmitTask>(&message)) return apply_submit(*s, tx, after);
  if (const auto* c = std::get_if<proto::CancelTask>(&message)) return apply_cancel(*c, tx, after);
  say("ignoring a " + std::string(proto::type_of(message)) + " message (the remote does not act on it)");
  return {};
}

Result<void> Core::apply_submit(const proto::SubmitTask& m, ledger::Db& tx, AfterCommit& after) {
  if (!ledger::valid_task_id(m.task_id)) {
    say("dropping submit_task for '" + m.task_id + "': not a task id");
    return {};
  }
  if (auto known = ledger::get_task(tx, m.task_id); known) return {};  // a resubmission: already here
  const std::int64_t now = clock_->now_ms();
  auto user = ledger::find_user(tx, m.user_id);
  if (!user && user.error().code == Errc::not_found) user = ledger::create_user(tx, m.user_id, kNoLogin, false, now);
  if (!user) {
    say("dropping submit_task " + m.task_id + ": user '" + m.user_id + "': " + user.error().message);
    return {};
  }
  std::string problem;
  auto memory = config::parse_memory(m.memory);
  auto time = config::parse_duration(m.time_limit);
  if (!memory) problem = "memory '" + m.memory + "': " + memory.error().message;
  else if (!time) problem = "time limit '" + m.time_limit + "': " + time.error().message;
  else if (m.storage_keys.project.empty()) problem = "the task names no project files";
  else if (auto data = task_datasets(m.spec, m.storage_keys.data); !data) problem = data.error().message;

  ledger::NewTask nt;
  nt.id = m.task_id;
  nt.user_id = user->id;
  nt.name = m.name.empty() ? m.task_id : m.name;
  nt.spec_json = m.spec.is_object() ? m.spec.dump() : "{}";
  nt.initial = ledger::TaskState::pending;
  nt.priority = priority_of(m.spec);
  nt.gpus = m.gpus;
  nt.cpus = m.cpus;
  nt.memory_bytes = memory ? static_cast<std::int64_t>(*memory) : 0;
  nt.time_limit_s = time ? *time : 0;
  if (!m.storage_keys.project.empty()) nt.manifest_key = m.storage_keys.project;
  nt.reason = "received from the proxy";
  if (auto t = ledger::create_task(tx, nt, now); !t) return std::unexpected(t.error());
  store::TaskRow row;
  row.task_id = m.task_id;
  row.submit_json = proto::to_json(proto::Message(m)).dump();
  if (auto r = store::insert_task(tx, row); !r) return r;
  const std::string reason = "preparing the task's files";
  if (auto t = ledger::transition(tx, m.task_id, ledger::TaskState::preparing, reason, now); !t)
    return std::unexpected(t.error());
  if (auto s = send_status(tx, m.task_id, ledger::TaskState::preparing, reason, now); !s) return s;
  if (!problem.empty()) {
    Completion c;
    c.state = ledger::TaskState::failed;
    c.reason = problem;
    return end_tx(tx, m.task_id, c);
  }
  after.push_back([this, id = m.task_id] { prepare_later_(id); });
  return {};
}

Result<void> Core::apply_cancel(const proto::CancelTask& m, ledger::Db& tx, AfterCommit& after) {
  auto t = ledger::get_task(tx, m.task_id);
  if (!t) {
    say("cancel_task for unknown task " + m.task_id + " ignored");
    return {};
  }
  if (ledger::is_terminal(t->state)) return {};
  if (auto r = store::request_cancel(tx, m.task_id); !r) return r;
  after.push_back([this, id = m.task_id] { cancel_now(id); });
  return {};
}

void Core::cancel_now(const std::string& task_id) {
  std::lock_guard flow(flow_mu_);
  Result<ledger::Task> t;
  {
    std::lock_guard lock(db_mu_);
    t = ledger::get_task(*db_, task_id);
  }
  if (!t || ledger::is_terminal(t->state)) return;
  if (t->state == ledger::TaskState::preparing || t->state == ledger::TaskState::pending)
    end_unstarted(task_id, ledger::TaskState::cancelled, "cancelled before it ran");
  else if (executor_)
    executor_->cancel(task_id);
}

void Core::prepare(const std::string& task_id) {
  ReadTask read = [&]() -> Result<std::pair<ledger::Task, store::TaskRow>> {
    std::lock_guard lock(db_mu_);
    auto t = ledger::get_task(*db_, task_id);
    if (!t) return std::unexpected(t.error());
    auto row = store::find_task(*db_, task_id);
    if (!row) return std::unexpected(row.error());
    if (!*row) return fail(Errc::not_found, "the remote has no record of task " + task_id);
    return std::make_pair(*t, **row);
  };
  auto first = read();
  if (!first) return say("cannot prepare task " + task_id + ": " + first.error().message);
  if (first->first.state != ledger::TaskState::preparing) return;
  if (first->second.cancel_requested) return cancel_now(task_id);

  const auto folder = std::filesystem::path(config_.paths.tasks_dir) / task_id;
  auto stats = materialise(*storage_, blobs_, first->first.manifest_key.value_or(""), folder);
  if (!stats) return end_unstarted(task_id, ledger::TaskState::failed, stats.error().message);
  if (auto uses = stored_datasets(first->second); !uses) {
    return end_unstarted(task_id, ledger::TaskState::failed, uses.error().message);
  } else if (!uses->empty() && !prepare_data(first->first, *uses, folder)) {
    return;
  }

  auto python_env = prepare_env(first->first, folder);
  if (!python_env) return;

  std::lock_guard flow(flow_mu_);
  if (!hand_over(task_id, read, *python_env)) release_env(task_id);
}

bool Core::hand_over(const std::string& task_id, const ReadTask& read, const std::filesystem::path& python_env) {
  auto now = read();
  if (!now || now->first.state != ledger::TaskState::preparing) return false;  // cancelled meanwhile
  if (now->second.cancel_requested) {
    end_unstarted(task_id, ledger::TaskState::cancelled, "cancelled before it ran");
    return false;
  }
  auto exec = exec_task(now->first, now->second, now->second.attempt + 1);
  if (!exec) {
    end_unstarted(task_id, ledger::TaskState::failed, exec.error().message);
    return false;
  }
  exec->python_env = python_env;
  if (auto s = executor_->submit(*exec); !s) {
    end_unstarted(task_id, ledger::TaskState::failed, s.error().message);
    return false;
  }
  return true;
}

}  // namespace lab::remote
