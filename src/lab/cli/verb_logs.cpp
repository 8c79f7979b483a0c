// `lab logs ID [-f]`: print a task's log; with -f follow it (surviving dropped connections)
// until the task ends, then print its final state on stderr.
#include "cli11.hpp"
#include "session.hpp"
#include "verbs.hpp"
#include "wait.hpp"

namespace lab::cli {

int run_logs(const Args& args) {
  auto app = make_app("logs", "Print a task's log; -f follows it live until the task ends.");
  std::string id;
  bool follow = false;
  std::optional<std::string> proxy;
  app->add_option("ID", id, "the task")->required();
  app->add_flag("-f,--follow", follow, "keep printing as lines arrive, until the task ends");
  app->add_option("--proxy", proxy, "the proxy's URL");
  if (auto code = parse_args(*app, args)) return *code;
  auto conn = connect(proxy, true);
  if (!conn) return report("logs", conn.error());
  return follow_task(*conn->client, id, follow, false, stdout);
}

}  // namespace lab::cli
