#include <lab/cli/command.hpp>

#include "verbs.hpp"

namespace lab::cli {
namespace {

// The one table of verbs. A row whose `run` is nullptr is listed but says it is not built.
const Command kCommands[] = {
    // Student verbs: also reachable as `lab cli VERB`.
    {"register", Group::student, "NAME [--invite CODE] [--password-stdin]", "create an account on the proxy", run_register},
    {"login", Group::student, "NAME [--password-stdin]", "sign in and keep a token for later commands", run_login},
    {"whoami", Group::student, "", "show who this machine is signed in as", run_whoami},
    {"logout", Group::student, "", "forget the stored token", run_logout},
    {"submit", Group::student, "[-c task.toml] [--wait] [--json]", "upload this folder and submit task.toml", run_submit},
    {"run", Group::student, "[--gpus N] [--cpus N] [--mem 4G] [--time 1:00:00] [--name NAME] [--priority high] [--wait] [--json] -- CMD...", "submit a command without a task.toml", run_run},
    {"status", Group::student, "[ID] [--json]", "show a task's state, or your latest tasks", run_status},
    {"list", Group::student, "[--limit N] [--all] [--json]", "list your tasks", run_list},
    {"logs", Group::student, "ID [-f]", "print a task's log; -f follows it live", run_logs},
    {"cancel", Group::student, "ID", "cancel a task wherever it is", run_cancel},
    {"pull", Group::student, "ID [-o DIR] [GLOB...]", "download a task's results", run_pull},
    {"metrics", Group::student, "ID [--csv]", "print a task's logged metrics as a table or CSV", run_metrics},
    {"data", Group::student, "sync PATH --name NAME [--json] | list [--all] [--json]", "upload a dataset once; list the ones tasks can use", run_data},
    // Server roles.
    {"proxy", Group::server, "--config proxy.toml | user add NAME [--admin] [--password-stdin]", "students' entry point: accounts, uploads, tasks, logs", run_proxy},
    {"remote", Group::server, "--config remote.toml", "cluster side: environments, Slurm or workers, results", run_remote},
    {"worker", Group::server, "[--config worker.toml] --remote URL --token-file F [--cpus N] [--memory 16G] [--gpus 0,1] [--slots N]", "run tasks leased from a remote", run_worker},
    {"demo", Group::server, "[--dir DIR] [--port PORT] [--workers N]", "proxy, remote and workers on this machine", run_demo},
    // Tools.
    {"files", Group::tool, "[DIR] [--ignored] [--json]", "list the files a submit would upload", run_files},
    {"config", Group::tool, "check FILE [--kind task|proxy|remote|worker] [--print]", "validate a task.toml or a role's config file", run_config},
    {"help", Group::tool, "[VERB]", "list verbs, or show one verb's usage", run_help},
    {"version", Group::tool, "", "print version and build information", run_version},
};

}  // namespace

std::span<const Command> commands() { return kCommands; }

const Command* find_command(std::string_view name) {
  for (const auto& c : kCommands)
    if (c.name == name) return &c;
  return nullptr;
}

}  // namespace lab::cli
