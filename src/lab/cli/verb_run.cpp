// `lab run [--gpus N] [--cpus N] [--mem 4G] [--time 1:00:00] [--name NAME] [--priority P]
// [--wait] [--json] -- CMD...`: submit a command without writing a task.toml. A task.toml in
// the current folder, when there is one, supplies the defaults.
#include <lab/config/task.hpp>
#include <lab/config/task_json.hpp>
#include <lab/config/units.hpp>

#include <algorithm>
#include <filesystem>

#include "cli11.hpp"
#include "session.hpp"
#include "submit_flow.hpp"
#include "verbs.hpp"

namespace lab::cli {
namespace {

// `words` as one shell line: safe words as they are, others in single quotes.
std::string shell_join(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) {
    if (!out.empty()) out += ' ';
    const bool safe = !w.empty() && std::all_of(w.begin(), w.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("_@%+=:,./-").find(c) != std::string_view::npos;
    });
    if (safe) {
      out += w;
      continue;
    }
    out += '\'';
    for (char c : w) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    out += '\'';
  }
  return out;
}

constexpr const char* kNeedsDash = "put the command after `--`, like: lab run --gpus 1 -- python train.py --epochs 3";

}  // namespace

int run_run(const Args& args) {
  auto dash = std::find(args.begin(), args.end(), "--");
  const bool help = std::any_of(args.begin(), dash, [](const std::string& a) { return a == "-h" || a == "--help"; });
  if (dash == args.end() && !help) return report("run", kNeedsDash), kExitUsage;
  Args flags(args.begin(), dash);
  std::vector<std::string> command(dash == args.end() ? dash : dash + 1, args.end());

  auto app = make_app("run", "Upload the current folder and run CMD on the cluster, without a task.toml.");
  std::optional<int> gpus, cpus;
  std::optional<std::string> mem, time, name, priority;
  SubmitRequest req;
  req.verb = "run";
  app->add_option("--gpus", gpus, "GPUs (default 0, or task.toml's)");
  app->add_option("--cpus", cpus, "CPU cores (default 1, or task.toml's)");
  app->add_option("--mem", mem, "memory, like 4G or 512M (default 8G, or task.toml's)");
  app->add_option("--time", time, "time limit, like 1:00:00 or 90m (default 1:00:00, or task.toml's)");
  app->add_option("--name", name, "the task's name (default: the folder's name)");
  app->add_option("--priority", priority, "default or high");
  std::vector<std::string> data;
  app->add_option("--data", data, "a dataset to find in the task's folder, by its `lab data sync` name (repeatable)");
  app->add_flag("--wait", req.wait, "follow the log and exit with the task's exit code (130 when cancelled)");
  app->add_flag("--json", req.json, "print {\"task_id\", \"uploaded_files\", ...} as JSON");
  app->add_option("--proxy", req.proxy, "the proxy's URL");
  app->footer("Everything after `--` is the command, run with bash in the task's folder.");
  if (auto code = parse_args(*app, flags)) return *code;
  if (command.empty()) return report("run", std::string("no command after `--`; ") + kNeedsDash), kExitUsage;

  config::TaskSpec spec;
  if (std::filesystem::exists("task.toml")) {
    auto loaded = config::load_task("task.toml", false);
    if (!loaded) {
      std::fputs(config::format(loaded.error()).c_str(), stderr);
      return report("run", "fix task.toml (used for defaults) or run from another folder");
    }
    spec = std::move(*loaded);
  } else {
    auto minimal = config::parse_task("[run]\ncommand = \"x\"\n", "lab run", {.project_dir = ".", .check_files = false});
    if (minimal) spec = std::move(*minimal);
  }
  spec.run.command = shell_join(command);
  spec.run.script.reset();
  spec.run.args.clear();
  if (gpus) spec.resources.gpus = *gpus;
  if (cpus) spec.resources.cpus = *cpus;
  if (name) spec.name = *name;
  for (const auto& d : data)
    if (std::find(spec.files.datasets.begin(), spec.files.datasets.end(), d) == spec.files.datasets.end())
      spec.files.datasets.push_back(d);
  if (mem) {
    auto m = config::parse_memory(*mem);
    if (!m) return report("run", "--mem: " + m.error().message), kExitUsage;
    spec.resources.memory_bytes = *m;
  }
  if (time) {
    auto t = config::parse_duration(*time);
    if (!t) return report("run", "--time: " + t.error().message), kExitUsage;
    spec.resources.time_limit_seconds = *t;
  }
  // The same checks as a task.toml (and as the proxy will apply).
  auto json = config::task_to_json(spec);
  if (priority) json["priority"] = *priority;
  auto checked = config::task_from_json(json, "lab run");
  if (!checked) {
    std::fputs(config::format(checked.error()).c_str(), stderr);
    return kExitUsage;
  }
  req.spec = std::move(*checked);
  req.spec_source = data.empty() ? "task.toml: [files] datasets" : "--data or task.toml's [files] datasets";
  return submit_project(req);
}

}  // namespace lab::cli
