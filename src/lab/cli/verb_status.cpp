// `lab status [ID] [--json]`, `lab list [--limit N] [--all] [--json]`, `lab cancel ID`.
#include <lab/config/units.hpp>
#include <lab/util/strings.hpp>

#include <nlohmann/json.hpp>

#include "cli11.hpp"
#include "session.hpp"
#include "verbs.hpp"

namespace lab::cli {
namespace {

std::string resources_text(const client::Task& t) {
  std::string s = std::to_string(t.gpus) + " GPU" + (t.gpus == 1 ? "" : "s") + ", " + std::to_string(t.cpus) + " CPU" +
                  (t.cpus == 1 ? "" : "s") + ", " + util::human_bytes(t.memory_bytes);
  if (t.time_limit_s > 0) s += ", time limit " + config::format_duration(t.time_limit_s);
  return s;
}

void print_task(const client::Task& t) {
  std::printf("task      %s  %s  (%s)\n", t.id.c_str(), t.name.c_str(), t.user.c_str());
  std::printf("state     %s%s\n", t.state.c_str(), t.reason.empty() ? "" : (" — " + t.reason).c_str());
  if (t.exit_code) std::printf("exit code %d\n", *t.exit_code);
  if (!t.command.empty()) std::printf("command   %s\n", t.command.c_str());
  std::printf("resources %s; priority %s\n", resources_text(t).c_str(), t.priority.empty() ? "default" : t.priority.c_str());
  std::printf("history\n");
  if (t.events.empty()) std::printf("  %s  created\n", local_time(t.created_at_ms).c_str());
  for (const auto& e : t.events)
    std::printf("  %s  %-10s %s\n", local_time(e.at_ms).c_str(), e.state.c_str(), e.reason.c_str());
}

}  // namespace

int run_status(const Args& args) {
  auto app = make_app("status", "Show a task's state, why it waits, the time of each state, and its exit code.");
  std::string id;
  bool json = false;
  std::optional<std::string> proxy;
  app->add_option("ID", id, "the task (default: your latest)");
  app->add_flag("--json", json, "print the task as JSON");
  app->add_option("--proxy", proxy, "the proxy's URL");
  if (auto code = parse_args(*app, args)) return *code;
  auto conn = connect(proxy, true);
  if (!conn) return report("status", conn.error());
  if (id.empty()) {
    auto page = conn->client->list_tasks(1, false);
    if (!page) return report("status", page.error());
    if (page->tasks.empty()) return report("status", "you have no tasks yet; submit one with `lab submit` or `lab run -- CMD`");
    id = page->tasks.front().id;
  }
  auto task = conn->client->get_task(id);
  if (!task) return report("status", task.error());
  if (json) std::printf("%s\n", client::to_json(*task).dump(2).c_str());
  else print_task(*task);
  return kExitOk;
}

int run_list(const Args& args) {
  auto app = make_app("list", "List your tasks, newest first.");
  int limit = 20;
  bool all = false, json = false;
  std::optional<std::string> proxy;
  app->add_option("--limit", limit, "how many (default 20)")->check(CLI::Range(1, 1000));
  app->add_flag("--all", all, "every user's tasks (admins only)");
  app->add_flag("--json", json, "print the tasks as a JSON array");
  app->add_option("--proxy", proxy, "the proxy's URL");
  if (auto code = parse_args(*app, args)) return *code;
  auto conn = connect(proxy, true);
  if (!conn) return report("list", conn.error());
  auto page = conn->client->list_tasks(limit, all);
  if (!page) return report("list", page.error());
  if (json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& t : page->tasks) out.push_back(client::to_json(t));
    std::printf("%s\n", out.dump(2).c_str());
    return kExitOk;
  }
  if (page->tasks.empty()) {
    std::printf("no tasks yet; submit one with `lab submit` or `lab run -- CMD`\n");
    return kExitOk;
  }
  std::printf("%-18s %-20s %s%-10s %-19s %s\n", "ID", "NAME", all ? "USER         " : "", "STATE", "CREATED", "EXIT");
  for (const auto& t : page->tasks) {
    std::string user = all ? (t.user + std::string(t.user.size() < 12 ? 12 - t.user.size() : 0, ' ') + " ") : "";
    std::printf("%-18s %-20s %s%-10s %-19s %s\n", t.id.c_str(), t.name.substr(0, 20).c_str(), user.c_str(), t.state.c_str(),
                local_time(t.created_at_ms).c_str(), t.exit_code ? std::to_string(*t.exit_code).c_str() : "-");
  }
  if (page->next) std::printf("(more: lab list --limit %d)\n", limit * 2);
  return kExitOk;
}

int run_cancel(const Args& args) {
  auto app = make_app("cancel", "Cancel a task wherever it is (queued, running, or still being prepared).");
  std::string id;
  std::optional<std::string> proxy;
  app->add_option("ID", id, "the task")->required();
  app->add_option("--proxy", proxy, "the proxy's URL");
  if (auto code = parse_args(*app, args)) return *code;
  auto conn = connect(proxy, true);
  if (!conn) return report("cancel", conn.error());
  auto task = conn->client->cancel_task(id);
  if (!task) return report("cancel", task.error());
  std::printf("cancelling %s (now %s)\n", task->id.c_str(), task->state.c_str());
  return kExitOk;
}

}  // namespace lab::cli
