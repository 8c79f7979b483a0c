// `lab demo [--dir DIR] [--port PORT] [--workers N] [--config FILE]`: proxy, remote and
// workers (or Slurm, per FILE's [executor]) in one process.
#include <lab/cli/credentials.hpp>
#include <lab/config/diagnostic.hpp>
#include <lab/demo/demo.hpp>
#include <lab/demo/web_password.hpp>
#include <lab/sys/signals.hpp>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <mutex>

#include <CLI/CLI.hpp>

#include "verbs.hpp"

namespace lab::cli {
namespace {

namespace fs = std::filesystem;

// $XDG_STATE_HOME/lab/demo, else ~/.local/state/lab/demo, else ./lab-demo.
fs::path default_demo_dir() {
  if (const char* x = std::getenv("XDG_STATE_HOME"); x && *x) return fs::path(x) / "lab" / "demo";
  if (const char* h = std::getenv("HOME"); h && *h) return fs::path(h) / ".local" / "state" / "lab" / "demo";
  return fs::path("lab-demo");
}

constexpr int kDemoSessionHours = 24 * 7;

}  // namespace

int run_demo(const Args& args) {
  CLI::App app{"Run the proxy, the remote and N workers in this process, over loopback HTTP, with "
               "everything kept under DIR; sign this machine's `lab` in as the demo user.", "lab demo"};
  app.set_help_flag("-h,--help", "show this help");
  std::string dir = default_demo_dir().string();
  int port = 8800;
  int workers = 2;
  app.add_option("--dir", dir, "where ledgers, storage and task folders live")->capture_default_str();
  app.add_option("--port", port, "the proxy's port (0 = any free port)")->check(CLI::Range(0, 65535))->capture_default_str();
  app.add_option("--workers", workers, "how many workers run tasks")->check(CLI::Range(1, 64))->capture_default_str();
  std::string config_file;
  app.add_option("--config", config_file,
                 "a file with remote.toml's [executor] and [storage] sections (e.g. type = \"slurm\")");
  try {
    app.parse(std::vector<std::string>(args.rbegin(), args.rend()));
  } catch (const CLI::CallForHelp&) {
    std::fputs(app.help().c_str(), stdout);
    return kExitOk;
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "lab demo: %s\nRun `lab demo --help` for its options.\n", e.what());
    return kExitUsage;
  }

  demo::Options options;
  if (!config_file.empty()) {
    auto loaded = config::load_demo(config_file);
    if (!loaded) {
      std::fputs(config::format(loaded.error()).c_str(), stderr);
      return kExitFailure;
    }
    options.executor = loaded->executor;
    if (loaded->has_storage) options.storage = loaded->storage;
  }
  const bool slurm = options.executor.type == "slurm";

  sys::block_stop_signals();  // before any role starts a thread
  std::error_code ec;
  fs::path root = fs::absolute(dir, ec);
  options.dir = root;
  options.port = port;
  options.workers = workers;
  // The roles' own lines go to DIR/demo.log, so the terminal shows only what the user needs.
  fs::create_directories(root, ec);
  auto log_file = std::make_shared<std::ofstream>(root / "demo.log", std::ios::app);
  auto log_mu = std::make_shared<std::mutex>();
  options.log = [log_file, log_mu](std::string_view line) {
    std::lock_guard lock(*log_mu);
    *log_file << line << '\n';
    log_file->flush();
  };
  auto running = demo::start(options);
  if (!running) {
    std::fprintf(stderr, "lab demo: %s\n", running.error().message.c_str());
    return kExitFailure;
  }
  std::string url = (*running)->proxy_url();
  auto session = demo::sign_in(root / "proxy" / "ledger.db", options.user, kDemoSessionHours);
  if (!session) {
    std::fprintf(stderr, "lab demo: cannot sign the local CLI in: %s\n", session.error().message.c_str());
    (*running)->stop();
    return kExitFailure;
  }
  auto saved = save_credentials({url, options.user, session->token, session->expires_at_ms});
  if (!saved) {
    std::fprintf(stderr, "lab demo: %s\n", saved.error().message.c_str());
    (*running)->stop();
    return kExitFailure;
  }

  if (slurm)
    std::printf("lab demo is running: proxy and remote, tasks run on Slurm%s, data in %s\n",
                options.executor.partition ? (" (partition " + *options.executor.partition + ")").c_str() : "",
                root.c_str());
  else
    std::printf("lab demo is running: proxy, remote and %d worker%s, data in %s\n", workers, workers == 1 ? "" : "s",
                root.c_str());
  std::printf("  proxy: %s (the address students use)\n", url.c_str());
  if (auto pw = demo::new_web_password(root / "proxy" / "ledger.db", options.user))
    std::printf("  web:   %s/ (open it in a browser; sign in as '%s' with password %s)\n", url.c_str(),
                options.user.c_str(), pw->c_str());
  else
    std::printf("  web:   %s/ (the web sign-in could not be prepared: %s)\n", url.c_str(), pw.error().message.c_str());
  std::printf("  you are signed in as '%s' (credentials in %s)\n", options.user.c_str(), config_dir().c_str());
  std::printf("Next, in another terminal:\n  cd examples/toy-regression && lab submit --wait\n");
  std::printf("Role logs: %s\nPress Ctrl-C to stop.\n", (root / "demo.log").c_str());
  std::fflush(stdout);

  int sig = sys::wait_for_stop_signal();
  std::fprintf(stderr, "lab demo: %s received, stopping...\n", sig == SIGINT ? "Ctrl-C" : strsignal(sig));
  (*running)->stop();
  std::fprintf(stderr, "lab demo: stopped\n");
  return kExitOk;
}

}  // namespace lab::cli
