#include "wait.hpp"

#include <lab/cli/command.hpp>
#include <lab/client/follow.hpp>
#include <lab/term/progress.hpp>

#include "session.hpp"

namespace lab::cli {

int exit_code_for(const client::Task& task) {
  if (task.state == "cancelled") return 130;
  if (task.state == "failed") return task.exit_code && *task.exit_code != 0 ? *task.exit_code : kExitFailure;
  return task.exit_code.value_or(0);
}

std::string final_state_line(const client::Task& task) {
  std::string line = "task " + task.id + " " + task.state;
  if (task.exit_code) line += " (exit code " + std::to_string(*task.exit_code) + ")";
  if (task.started_at_ms && task.finished_at_ms && *task.finished_at_ms >= *task.started_at_ms)
    line += " after " + term::format_duration((*task.finished_at_ms - *task.started_at_ms) / 1000);
  if (!task.reason.empty() && task.state != "completed") line += ": " + task.reason;
  return line;
}

int follow_task(client::ProxyClient& client, const std::string& id, bool follow, bool task_exit_code, std::FILE* out) {
  client::FollowOptions opt;
  opt.follow = follow;
  opt.on_retry = [](const Error& e) {
    std::string m = e.message;
    if (!m.empty() && m.back() == '.') m.pop_back();
    std::fprintf(stderr, "lab: %s; reconnecting...\n", m.c_str());
  };
  auto end = client::follow_logs(client, id, 0, [out](std::string_view data) {
    std::fwrite(data.data(), 1, data.size(), out);
    std::fflush(out);
  }, opt);
  if (!end) return report("logs", end.error());
  if (!follow) return kExitOk;
  auto task = client.get_task(id);
  if (!task) return report("logs", task.error());
  std::fprintf(stderr, "%s\n", final_state_line(*task).c_str());
  return task_exit_code ? exit_code_for(*task) : kExitOk;
}

}  // namespace lab::cli
