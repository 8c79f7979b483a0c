// `lab submit [-c task.toml] [--wait] [--json]`: upload the task.toml's folder and submit it.
#include <lab/config/task.hpp>

#include "cli11.hpp"
#include "session.hpp"
#include "submit_flow.hpp"
#include "verbs.hpp"

namespace lab::cli {

int run_submit(const Args& args) {
  auto app = make_app("submit", "Upload the folder of task.toml (honouring .gitignore and .labignore) and submit the task.");
  std::string task_file = "task.toml";
  SubmitRequest req;
  req.verb = "submit";
  app->add_option("-c,--config", task_file, "the task file (default: ./task.toml); its folder is the project");
  app->add_flag("--wait", req.wait, "follow the log and exit with the task's exit code (130 when cancelled)");
  app->add_flag("--json", req.json, "print {\"task_id\", \"uploaded_files\", \"uploaded_bytes\", \"stored_files\", \"stored_bytes\"}");
  app->add_option("--proxy", req.proxy, "the proxy's URL");
  if (auto code = parse_args(*app, args)) return *code;

  auto spec = config::load_task(task_file);
  if (!spec) {
    std::fputs(config::format(spec.error()).c_str(), stderr);
    if (spec.error().size() == 1 && spec.error()[0].line == 0 && task_file == "task.toml")
      std::fputs("lab submit: run it in a folder with a task.toml, pass -c FILE, or use `lab run -- CMD`\n", stderr);
    return kExitFailure;
  }
  req.spec = std::move(*spec);
  req.spec_source = task_file + ": [files] datasets";
  std::filesystem::path p(task_file);
  req.project_root = p.has_parent_path() ? p.parent_path() : std::filesystem::path(".");
  return submit_project(req);
}

}  // namespace lab::cli
