// `lab remote --config remote.toml`: the cluster side, until SIGINT or SIGTERM.
#include <lab/config/roles.hpp>
#include <lab/net/client.hpp>
#include <lab/remote/remote.hpp>
#include <lab/sys/signals.hpp>

#include <cstdio>
#include <cstring>

#include "cli11.hpp"

#include "verbs.hpp"

namespace lab::cli {

int run_remote(const Args& args) {
  CLI::App app{"The cluster side: receives tasks from the proxy, prepares their files, runs them on "
               "the worker pool (or Slurm) and reports back.", "lab remote"};
  app.set_help_flag("-h,--help", "show this help");
  std::string config_path;
  app.add_option("--config", config_path, "remote.toml")->required();
  if (auto code = parse_args(app, args)) return *code;
  auto config = config::load_remote(config_path);
  if (!config) {
    std::fputs(config::format(config.error()).c_str(), stderr);
    return kExitFailure;
  }
  sys::block_stop_signals();  // before any thread starts, so every thread inherits the mask
  remote::Options options;
  const config::RemoteExecutor executor = config->executor;
  options.config = std::move(*config);
  auto remote = remote::start(options);
  if (!remote) {
    std::fprintf(stderr, "lab remote: %s\n", remote.error().message.c_str());
    return kExitFailure;
  }
  if (auto url = (*remote)->transport_url(); !url.empty())
    std::fprintf(stderr, "lab remote: mailbox for the proxy at %s\n", net::redact_url(url).c_str());
  if (auto url = (*remote)->workers_url(); !url.empty())
    std::fprintf(stderr, "lab remote: workers connect to %s/worker/v1\n", url.c_str());
  if (executor.type == "slurm")
    std::fprintf(stderr, "lab remote: tasks are submitted to Slurm%s with %s, watched every %d ms\n",
                 executor.partition ? (" (partition " + *executor.partition + ")").c_str() : "", executor.sbatch.c_str(),
                 executor.poll_interval_ms);
  const int sig = sys::wait_for_stop_signal();
  std::fprintf(stderr, "lab remote: stopping (SIG%s)\n", sigabbrev_np(sig));
  (*remote)->stop();
  return kExitOk;
}

}  // namespace lab::cli
