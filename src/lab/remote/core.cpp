// The Core's shared steps: writing, log notes, ending a task, and the executor's view of a task.
#include "core.hpp"

#include <lab/config/task_json.hpp>
#include <lab/config/units.hpp>
#include <lab/worker/task_runner.hpp>

#include <iostream>

namespace lab::remote {

Core::Core(Deps d)
    : config_(std::move(d.config)),
      transport_(d.transport),
      storage_(d.storage),
      clock_(d.clock ? d.clock : &sys::real_clock()),
      log_(std::move(d.log)),
      prepare_later_(std::move(d.prepare_later)),
      blobs_(*d.storage, config_.paths.cache_dir),
      datasets_(datasets_dir(config_)),
      db_(std::move(d.db)) {
  if (config_.executor.type != "workers") envs_ = std::make_unique<envs::Builder>(envs::builder_options(config_));
}

void Core::say(const std::string& line) const {
  if (log_) log_(line);
  else std::cerr << "lab remote: " << line << "\n";
}

Result<void> Core::write(const std::function<Result<void>(ledger::Db&)>& body) {
  Result<void> r;
  {
    std::lock_guard lock(db_mu_);
    r = db_->transaction(body);
  }
  if (!r) say("cannot record a task change: " + r.error().message);
  else transport_->notify_outbox();
  return r;
}

Result<void> Core::note_tx(ledger::Db& tx, const std::string& task_id, const std::string& text) {
  auto row = store::find_task(tx, task_id);
  if (!row) return std::unexpected(row.error());
  if (!*row) return fail(Errc::not_found, "the remote has no task " + task_id);
  const std::int64_t now = clock_->now_ms();
  const std::string line = utf8_clean(worker::format_log_line(now, "lab", text));
  if (auto s = send_log(tx, task_id, (*row)->log_bytes, line, now); !s) return s;
  return store::add_log_bytes(tx, task_id, static_cast<std::int64_t>(line.size()), 0);
}

Result<void> Core::end_tx(ledger::Db& tx, const std::string& task_id, const Completion& c) {
  std::string line = "task " + std::string(ledger::to_string(c.state));
  if (c.exit_code) line += " with exit code " + std::to_string(*c.exit_code);
  if (!c.reason.empty()) line += ": " + c.reason;
  if (auto n = note_tx(tx, task_id, line); !n) return n;
  ledger::TransitionDetails details;
  details.exit_code = c.exit_code;
  details.usage = ledger::Usage{c.wall_seconds, c.gpu_seconds, c.cpu_seconds};
  const std::int64_t now = clock_->now_ms();
  auto moved = ledger::transition(tx, task_id, c.state, c.reason.empty() ? line : c.reason, now, details);
  if (!moved) return std::unexpected(moved.error());
  return send_completed(tx, task_id, c, now);
}

void Core::end_unstarted(const std::string& task_id, ledger::TaskState state, const std::string& reason) {
  (void)write([&](ledger::Db& tx) -> Result<void> {
    auto t = ledger::get_task(tx, task_id);
    if (!t) return std::unexpected(t.error());
    if (ledger::is_terminal(t->state)) return {};
    Completion c;
    c.state = state;
    c.reason = reason;
    return end_tx(tx, task_id, c);
  });
}

Result<ExecTask> Core::exec_task(const ledger::Task& task, const store::TaskRow& row, int attempt) {
  proto::Envelope env;
  env.type = std::string(proto::SubmitTask::kType);
  env.body = nlohmann::json::parse(row.submit_json, nullptr, false);
  auto msg = proto::decode(env);
  if (!msg || !std::holds_alternative<proto::SubmitTask>(*msg))
    return fail(Errc::corrupt, "the stored submission of task " + task.id + " cannot be read");
  const auto& m = std::get<proto::SubmitTask>(*msg);
  ExecTask t;
  t.task_id = task.id;
  t.user = m.user_id;
  t.gpus = static_cast<int>(task.gpus);
  t.cpus = static_cast<int>(std::max<std::int64_t>(1, task.cpus));
  t.memory_bytes = static_cast<std::uint64_t>(task.memory_bytes);
  t.time_limit_s = task.time_limit_s;
  t.command = m.command;
  t.high_priority = task.priority > 0;
  const nlohmann::json& spec = m.spec;
  if (spec.contains("run") && spec["run"].is_object() && spec["run"].contains("env") && spec["run"]["env"].is_object())
    for (const auto& [k, v] : spec["run"]["env"].items())
      if (v.is_string()) t.env[k] = v.get<std::string>();
  t.download = {"outputs/"};
  if (spec.contains("files") && spec["files"].is_object() && spec["files"].contains("download") &&
      spec["files"]["download"].is_array()) {
    t.download.clear();
    for (const auto& g : spec["files"]["download"])
      if (g.is_string()) t.download.push_back(g.get<std::string>());
  }
  // The proxy checked the spec; a spec that no longer parses runs without an environment.
  if (auto parsed = config::task_from_json(spec, "task " + task.id)) t.environment = parsed->environment;
  t.folder = std::filesystem::path(config_.paths.tasks_dir) / task.id;
  auto data = task_datasets(spec, m.storage_keys.data);
  if (!data) return std::unexpected(data.error());
  t.datasets = std::move(*data);
  t.datasets_dir = datasets_.dir();
  t.attempt = attempt;
  t.lost = row.lost;
  t.log_bytes = attempt == row.attempt ? row.attempt_log_bytes : 0;
  return t;
}

}  // namespace lab::remote
