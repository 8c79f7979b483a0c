// `lab proxy --config proxy.toml`: serve the students' API until SIGINT/SIGTERM.
// `lab proxy user add NAME [--admin] [--password-stdin] --config proxy.toml`: create an account.
#include <lab/config/roles.hpp>
#include <lab/proxy/proxy.hpp>
#include <lab/sys/signals.hpp>

#include <cstdio>
#include <iostream>
#include <string>
#include <termios.h>
#include <unistd.h>

#include "cli11.hpp"

#include "verbs.hpp"

namespace lab::cli {
namespace {

// One line from standard input without its line end; with `prompt` on a terminal, unechoed.
std::optional<std::string> read_secret_line(const char* prompt) {
  const bool tty = isatty(STDIN_FILENO);
  termios saved{};
  if (tty && prompt) {
    std::fputs(prompt, stderr);
    std::fflush(stderr);
    tcgetattr(STDIN_FILENO, &saved);
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::string line;
  const bool got = static_cast<bool>(std::getline(std::cin, line));
  if (tty && prompt) {
    tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    std::fputs("\n", stderr);
  }
  if (!got) return std::nullopt;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

int serve(const config::ProxyConfig& cfg) {
  sys::block_stop_signals();  // before any thread starts, so every thread inherits the mask
  proxy::Options o;
  o.config = cfg;
  auto p = proxy::start(o);
  if (!p) {
    std::fprintf(stderr, "lab proxy: %s\n", p.error().message.c_str());
    return kExitFailure;
  }
  std::fprintf(stderr, "lab proxy: ready at %s (stop with Ctrl-C)\n", (*p)->url().c_str());
  const int sig = sys::wait_for_stop_signal();
  std::fprintf(stderr, "lab proxy: stopping (signal %d)\n", sig);
  (*p)->stop();
  return kExitOk;
}

int add_user(const config::ProxyConfig& cfg, const std::string& name, bool admin, bool from_stdin) {
  if (!from_stdin && !isatty(STDIN_FILENO)) {
    std::fprintf(stderr, "lab proxy user add: give the password with --password-stdin, or run this in a terminal\n");
    return kExitUsage;
  }
  auto password = read_secret_line(from_stdin ? nullptr : "password: ");
  if (!password) {
    std::fprintf(stderr, "lab proxy user add: no password was given\n");
    return kExitFailure;
  }
  if (!from_stdin) {
    auto again = read_secret_line("password again: ");
    if (!again || *again != *password) {
      std::fprintf(stderr, "lab proxy user add: the passwords differ; nothing was changed\n");
      return kExitFailure;
    }
  }
  auto user = proxy::add_user(cfg, name, *password, admin);
  if (!user) {
    std::fprintf(stderr, "lab proxy user add: %s\n", user.error().message.c_str());
    return kExitFailure;
  }
  std::printf("created %s%s\n", user->name.c_str(), user->is_admin ? " (admin)" : "");
  return kExitOk;
}

}  // namespace

int run_proxy(const Args& args) {
  CLI::App app{"the students' entry point: accounts, uploads, tasks, logs and results", "lab proxy"};
  app.set_help_flag("-h,--help", "show this help");
  std::string config_path = "proxy.toml";
  app.add_option("-c,--config", config_path, "the proxy's config file (default: proxy.toml)");
  CLI::App* user = app.add_subcommand("user", "manage accounts");
  user->fallthrough();
  user->require_subcommand(1);
  CLI::App* add = user->add_subcommand("add", "create an account; the password comes from a prompt or --password-stdin");
  add->fallthrough();
  std::string name;
  bool admin = false, from_stdin = false;
  add->add_option("NAME", name, "the user name")->required();
  add->add_flag("--admin", admin, "the user may see every task");
  add->add_flag("--password-stdin", from_stdin, "read the password from standard input");
  if (auto code = parse_args(app, args)) return *code;
  auto cfg = config::load_proxy(config_path);
  if (!cfg) {
    std::fputs(config::format(cfg.error()).c_str(), stderr);
    return kExitFailure;
  }
  if (add->parsed()) return add_user(*cfg, name, admin, from_stdin);
  return serve(*cfg);
}

}  // namespace lab::cli
