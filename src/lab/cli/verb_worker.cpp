// `lab worker [--config worker.toml] --remote URL --token T ...`: run the worker agent until
// SIGINT or SIGTERM. Flags override the config file; the token may also come from
// --token-file or $LAB_WORKER_TOKEN, and is never printed.
#include <lab/config/roles.hpp>
#include <lab/config/units.hpp>
#include <lab/sys/process.hpp>
#include <lab/sys/signals.hpp>
#include <lab/util/strings.hpp>
#include <lab/worker/agent.hpp>

#include <signal.h>
#include <string.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "cli11.hpp"
#include "verbs.hpp"

namespace lab::cli {
namespace {

int usage(const std::string& message) {
  std::fprintf(stderr, "lab worker: %s\nRun `lab worker --help` for its options.\n", message.c_str());
  return kExitUsage;
}

// "0,1" -> {0, 1}; "" -> {}; anything else -> nullopt.
std::optional<std::vector<int>> parse_gpus(const std::string& text) {
  std::vector<int> out;
  if (util::trim(text).empty()) return out;
  for (const std::string& part : util::split(text, ',')) {
    std::string p(util::trim(part));
    if (p.empty() || p.size() > 4 || p.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
    out.push_back(std::stoi(p));
  }
  return out;
}

}  // namespace

int run_worker(const Args& args) {
  auto app = make_app("worker", "run tasks leased from a remote");
  std::string config_file, remote, token, token_file, memory, gpus, name, work_dir;
  int cpus = 0, slots = 0;
  app->add_option("--config", config_file, "worker.toml to read (flags below override it)");
  app->add_option("--remote", remote, "the remote's workers URL, e.g. http://cluster:8802");
  app->add_option("--token", token, "the remote's workers token (prefer --token-file or $LAB_WORKER_TOKEN)");
  app->add_option("--token-file", token_file, "read the token from this file");
  app->add_option("--cpus", cpus, "CPUs to offer (default: all of this machine's)")->check(CLI::Range(1, 4096));
  app->add_option("--memory", memory, "memory to offer, e.g. 16G (default: all of this machine's)");
  app->add_option("--gpus", gpus, "GPU indexes to offer, e.g. 0,1 (default: none)");
  app->add_option("--slots", slots, "tasks to run at once (default 1)")->check(CLI::Range(1, 1024));
  app->add_option("--name", name, "how the remote knows this worker (default: the host name)");
  app->add_option("--work-dir", work_dir, "where task folders are made (default: ./work)");
  if (auto rc = parse_args(*app, args)) return *rc;

  if (!token.empty() && !token_file.empty()) return usage("give the token once: --token or --token-file, not both");
  if (!token_file.empty()) {
    std::ifstream in(token_file);
    if (!in) return usage("cannot read the token file " + token_file);
    std::stringstream ss;
    ss << in.rdbuf();
    token = std::string(util::trim(ss.str()));
    if (token.empty()) return usage("the token file " + token_file + " is empty");
  }
  if (token.empty())
    if (const char* env = std::getenv("LAB_WORKER_TOKEN"); env && *env) token = env;

  worker::Options options;
  options.tuning.task_guard = sys::kSelfExe;  // tasks die with this worker, even on kill -9
  config::WorkerConfig& c = options.config;
  c.work_dir = "work";
  if (!config_file.empty()) {
    // 'remote' and 'token' may come from flags or the environment; checked once merged.
    auto loaded = config::load_worker(config_file, {"remote", "token"});
    if (!loaded) {
      std::fputs(config::format(loaded.error()).c_str(), stderr);
      return kExitUsage;
    }
    c = std::move(*loaded);
  }
  if (!remote.empty()) c.remote = remote;
  if (!token.empty()) c.token = token;
  if (cpus) c.cpus = cpus;
  if (slots) c.slots = slots;
  if (!work_dir.empty()) c.work_dir = work_dir;
  if (!memory.empty()) {
    auto bytes = config::parse_memory(memory);
    if (!bytes) return usage("--memory: " + bytes.error().message);
    c.memory_bytes = *bytes;
  }
  if (app->count("--gpus")) {
    auto list = parse_gpus(gpus);
    if (!list) return usage("--gpus takes GPU indexes separated by commas, like 0,1; '" + gpus + "' is not that");
    c.gpus = *list;
  }
  if (c.remote.empty()) return usage("which remote? pass --remote URL (the remote's workers address) or --config worker.toml");
  if (c.token.empty())
    return usage("no token: pass --token-file FILE, set LAB_WORKER_TOKEN, or put token in worker.toml "
                 "(it is the [workers] token of the remote's remote.toml)");
  options.name = name;

  sys::block_stop_signals();
  auto agent = worker::start(options);
  if (!agent) {
    std::fprintf(stderr, "lab worker: %s\n", agent.error().message.c_str());
    return agent.error().code == Errc::invalid_argument ? kExitUsage : kExitFailure;
  }
  int sig = sys::wait_for_stop_signal();
  std::fprintf(stderr, "lab worker: SIG%s received; stopping\n", sigabbrev_np(sig));
  (*agent)->stop();
  return kExitOk;
}

}  // namespace lab::cli
