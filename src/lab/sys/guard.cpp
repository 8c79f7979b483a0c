// `lab __task-guard`: the process-group leader that makes a task die with the worker that
// started it (contract in process.hpp).
#include <lab/sys/process.hpp>

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>

namespace lab::sys {
namespace {

constexpr long kPollNs = 200'000'000;

std::int64_t steady_ms() {
  struct timespec ts;
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000;
}

// Ends this process the way the child ended.
[[noreturn]] void pass_on(int status) {
  if (WIFEXITED(status)) ::_exit(WEXITSTATUS(status));
  int sig = WTERMSIG(status);
  struct rlimit no_core = {0, 0};
  ::setrlimit(RLIMIT_CORE, &no_core);  // the child already dumped its core, if any
  ::signal(sig, SIG_DFL);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, sig);
  ::sigprocmask(SIG_UNBLOCK, &set, nullptr);
  ::raise(sig);
  ::_exit(128 + sig);  // a signal whose default is not to die
}

}  // namespace

int run_guard(const std::vector<std::string>& args) {
  pid_t parent = 0;
  const std::string& p = args.empty() ? std::string() : args[0];
  auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), parent);
  if (args.size() < 3 || args[1] != "--" || ec != std::errc() || end != p.data() + p.size() || parent <= 1) {
    std::fprintf(stderr, "usage: lab %.*s PARENT_PID -- PROGRAM [ARGS...] (used by lab worker, not by hand)\n",
                 static_cast<int>(kGuardVerb.size()), kGuardVerb.data());
    return 2;
  }
  std::vector<char*> argv;
  for (std::size_t i = 2; i < args.size(); ++i) argv.push_back(const_cast<char*>(args[i].c_str()));
  argv.push_back(nullptr);

  sigset_t chld, old;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  ::sigprocmask(SIG_BLOCK, &chld, &old);
  pid_t child = ::fork();
  if (child < 0) {
    std::fprintf(stderr, "lab: cannot start '%s': %s\n", argv[0], std::strerror(errno));
    return 127;
  }
  if (child == 0) {
    ::sigprocmask(SIG_SETMASK, &old, nullptr);
    ::execv(argv[0], argv.data());
    std::fprintf(stderr, "lab: cannot run '%s': %s\n", argv[0], std::strerror(errno));
    ::_exit(127);
  }
  for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGQUIT}) ::signal(sig, SIG_IGN);

  std::int64_t kill_at = -1;  // set once the parent is gone
  while (true) {
    int status = 0;
    pid_t r = ::waitpid(child, &status, WNOHANG);
    if (r == child) {
      if (kill_at >= 0) ::killpg(0, SIGKILL);  // what the child left behind; this guard too
      pass_on(status);
    }
    if (r < 0 && errno != EINTR) return 127;
    if (kill_at < 0 && ::getppid() != parent) {
      ::killpg(0, SIGTERM);
      kill_at = steady_ms() + kGuardGrace.count();
    }
    if (kill_at >= 0 && steady_ms() >= kill_at) ::killpg(0, SIGKILL);
    struct timespec wait = {0, kPollNs};
    ::sigtimedwait(&chld, nullptr, &wait);
  }
}

}  // namespace lab::sys
