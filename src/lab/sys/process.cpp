#include <lab/sys/clock.hpp>
#include <lab/sys/process.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <thread>

extern char** environ;

namespace lab::sys {
namespace {

// After the child exits, how long its output may keep flowing (from children it left
// behind that still hold the pipes) before the rest of the group is killed.
constexpr int kDrainAfterExitMs = 1000;
// Poll period when the kernel has no pidfd (before Linux 5.3).
constexpr int kFallbackPollMs = 20;

int pidfd_open_compat(pid_t pid) {
#ifdef SYS_pidfd_open
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
#else
  (void)pid;
  errno = ENOSYS;
  return -1;
#endif
}

std::string resolve_program(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  const char* path = std::getenv("PATH");
  std::string p = path ? path : "/usr/local/bin:/usr/bin:/bin";
  std::size_t start = 0;
  while (start <= p.size()) {
    std::size_t end = p.find(':', start);
    if (end == std::string::npos) end = p.size();
    std::string dir = p.substr(start, end - start);
    if (dir.empty()) dir = ".";
    std::string cand = dir + "/" + name;
    if (::access(cand.c_str(), X_OK) == 0) return cand;
    start = end + 1;
  }
  return {};
}

// Writes a decimal pid without allocating (async-signal-safe, for the child).
void write_pid(int fd, pid_t pid) {
  char buf[24];
  int n = 0;
  char tmp[24];
  do {
    tmp[n++] = static_cast<char>('0' + pid % 10);
    pid /= 10;
  } while (pid > 0);
  for (int i = 0; i < n; ++i) buf[i] = tmp[n - 1 - i];
  (void)!::write(fd, buf, static_cast<std::size_t>(n));
}

// Starts `program` with posix_spawn: stdin from /dev/null, stdout and stderr to `out` and
// `err`, in `cwd` when not empty, in a process group of its own, with no signal blocked and
// SIGPIPE at its default. Returns 0 and sets `pid`, or the errno of what failed (exec
// included: glibc reports it).
int spawn_plain(const std::string& program, char* const* argv, char* const* envp, const std::string& cwd, int out,
                int err, pid_t& pid) {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  if (int rc = ::posix_spawn_file_actions_init(&actions)) return rc;
  if (int rc = ::posix_spawnattr_init(&attr)) {
    ::posix_spawn_file_actions_destroy(&actions);
    return rc;
  }
  sigset_t none, pipe;
  sigemptyset(&none);
  sigemptyset(&pipe);
  sigaddset(&pipe, SIGPIPE);
  int rc = ::posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  if (!rc) rc = ::posix_spawn_file_actions_adddup2(&actions, out, 1);
  if (!rc) rc = ::posix_spawn_file_actions_adddup2(&actions, err, 2);
  if (!rc && !cwd.empty()) rc = ::posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());
  if (!rc) rc = ::posix_spawnattr_setsigmask(&attr, &none);
  if (!rc) rc = ::posix_spawnattr_setsigdefault(&attr, &pipe);
  if (!rc) rc = ::posix_spawnattr_setpgroup(&attr, 0);
  if (!rc)
    rc = ::posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  if (!rc) rc = ::posix_spawn(&pid, program.c_str(), &actions, &attr, argv, envp);
  ::posix_spawn_file_actions_destroy(&actions);
  ::posix_spawnattr_destroy(&attr);
  if (rc) pid = -1;
  return rc;
}

void set_limit(int resource, std::uint64_t value) {
  if (value == 0) return;
  struct rlimit rl;
  rl.rlim_cur = rl.rlim_max = static_cast<rlim_t>(value);
  ::setrlimit(resource, &rl);
}

}  // namespace

std::string ExitStatus::describe() const {
  if (!signaled) return "exit code " + std::to_string(exit_code);
  const char* name = sigabbrev_np(signal);
  return std::string("killed by ") + (name ? std::string("SIG") + name : "signal " + std::to_string(signal));
}

struct Process::Impl {
  LineSink sink;
  int out_fd = -1, err_fd = -1, pid_fd = -1;
  pid_t pid = -1;
  std::thread monitor;

  std::mutex mu;
  std::condition_variable cv;
  bool done = false;                  // guarded by mu: child reaped and output drained
  std::optional<ExitStatus> status;  // guarded by mu
  double cpu_seconds = 0;             // guarded by mu

  std::string buf[2];

  void emit(int which, bool eof) {
    std::string& b = buf[which];
    Stream s = which == 0 ? Stream::out : Stream::err;
    std::size_t start = 0;
    std::int64_t now = real_clock().now_ms();
    while (true) {
      // A line longer than kMaxLine goes out in kMaxLine pieces, whether or not its
      // newline has arrived yet; a line of exactly kMaxLine waits for its newline.
      std::size_t nl = b.find('\n', start);
      std::size_t pending = (nl == std::string::npos ? b.size() : nl) - start;
      if (pending > kMaxLine) {
        if (sink) sink(s, std::string_view(b).substr(start, kMaxLine), now);
        start += kMaxLine;
        continue;
      }
      if (nl == std::string::npos) break;
      if (sink) sink(s, std::string_view(b).substr(start, nl - start), now);
      start = nl + 1;
    }
    b.erase(0, start);
    if (eof && !b.empty()) {
      if (sink) sink(s, b, now);
      b.clear();
    }
  }

  bool try_reap(bool block) {
    int st = 0;
    struct rusage ru {};
    pid_t r = ::wait4(pid, &st, block ? 0 : WNOHANG, &ru);
    if (r != pid) return false;
    ExitStatus es;
    if (WIFSIGNALED(st)) {
      es.signaled = true;
      es.signal = WTERMSIG(st);
    } else {
      es.exit_code = WEXITSTATUS(st);
    }
    std::lock_guard lock(mu);
    status = es;
    cpu_seconds = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                  static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
    return true;
  }

  void run() {
    int fds[2] = {out_fd, err_fd};
    bool reaped = false;
    std::int64_t drain_deadline = 0;
    char chunk[65536];
    while (fds[0] >= 0 || fds[1] >= 0 || !reaped) {
      struct pollfd p[3];
      int n = 0, idx[3];
      for (int i = 0; i < 2; ++i)
        if (fds[i] >= 0) {
          p[n] = {fds[i], POLLIN, 0};
          idx[n++] = i;
        }
      if (!reaped && pid_fd >= 0) {
        p[n] = {pid_fd, POLLIN, 0};
        idx[n++] = 2;
      }
      int timeout = (!reaped && pid_fd < 0) ? kFallbackPollMs : -1;
      if (reaped) {
        std::int64_t left = drain_deadline - real_clock().steady_ms();
        if (left <= 0) {
          ::killpg(pid, SIGKILL);  // leftovers holding the pipes open
          for (int i = 0; i < 2; ++i)
            if (fds[i] >= 0) {
              emit(i, true);
              ::close(fds[i]);
              fds[i] = -1;
            }
          break;
        }
        timeout = static_cast<int>(left);
      }
      int rc = ::poll(p, static_cast<nfds_t>(n), timeout);
      if (rc < 0 && errno != EINTR) break;
      for (int k = 0; k < n && rc > 0; ++k) {
        if (!(p[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        if (idx[k] == 2) continue;  // pidfd: handled by try_reap below
        int i = idx[k];
        ssize_t got = ::read(fds[i], chunk, sizeof chunk);
        if (got > 0) {
          buf[i].append(chunk, static_cast<std::size_t>(got));
          emit(i, false);
        } else if (got == 0 || (errno != EINTR && errno != EAGAIN)) {
          emit(i, true);
          ::close(fds[i]);
          fds[i] = -1;
        }
      }
      if (!reaped && try_reap(false)) {
        reaped = true;
        drain_deadline = real_clock().steady_ms() + kDrainAfterExitMs;
      }
    }
    if (!reaped) try_reap(true);
    std::lock_guard lock(mu);
    done = true;
    cv.notify_all();
  }
};

Process::Process(std::unique_ptr<Impl> impl, pid_t pid) : impl_(std::move(impl)), pid_(pid) {}

Result<std::unique_ptr<Process>> Process::spawn(const ProcessSpec& spec, LineSink sink) {
  if (spec.argv.empty()) return fail(Errc::invalid_argument, "no program to run");
  std::string program = resolve_program(spec.argv[0]);
  if (program.empty()) return fail(Errc::not_found, "program '" + spec.argv[0] + "' not found in PATH");

  // Everything the child needs is built before fork: after it, only async-signal-safe calls.
  std::vector<std::string> args = spec.argv;
  if (!spec.guard.empty()) {  // lab __task-guard PARENT -- PROGRAM ARGS...
    args[0] = program;
    args.insert(args.begin(), {"lab", std::string(kGuardVerb), std::to_string(::getpid()), "--"});
    program = spec.guard;
  }
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::map<std::string, std::string> env_map;
  if (!spec.clear_env)
    for (char** e = environ; e && *e; ++e) {
      std::string kv = *e;
      auto eq = kv.find('=');
      if (eq != std::string::npos) env_map[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
  for (const auto& [k, v] : spec.env) env_map[k] = v;
  std::vector<std::string> env_strings;
  for (const auto& [k, v] : env_map) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::string cwd = spec.cwd.string();

  // Limits and a cgroup need code of ours in the child (fork); otherwise posix_spawn.
  const bool limited = !spec.cgroup_procs.empty() || spec.limits.data_bytes || spec.limits.address_space_bytes ||
                       spec.limits.cpu_seconds || spec.limits.open_files;
  int out[2], err[2], exec_err[2] = {-1, -1};  // exec_err: the forked child's errno, if exec fails
  if (::pipe2(out, O_CLOEXEC) || ::pipe2(err, O_CLOEXEC) || (limited && ::pipe2(exec_err, O_CLOEXEC)))
    return fail(Errc::io, std::string("cannot create pipes: ") + std::strerror(errno));
  int cg_fd = -1;
  if (!spec.cgroup_procs.empty()) {
    cg_fd = ::open(spec.cgroup_procs.c_str(), O_WRONLY | O_CLOEXEC);
    if (cg_fd < 0) {
      for (int fd : {out[0], out[1], err[0], err[1], exec_err[0], exec_err[1]}) ::close(fd);
      return fail(Errc::io, "cannot open " + spec.cgroup_procs.string() + ": " + std::strerror(errno));
    }
  }

  pid_t pid = -1;
  int child_errno = 0;
  if (!limited) {
    // No code of ours has to run in the child: posix_spawn, which clones without copying the
    // address space. fork() would make every later write of this (many-threaded, large)
    // process fault and flush TLBs on all cores, which costs a remote running sbatch
    // hundreds of times a minute more than the commands themselves.
    child_errno = spawn_plain(program, argv.data(), envp.data(), cwd, out[1], err[1], pid);
  } else {
    pid = ::fork();
    if (pid < 0) {
      for (int fd : {out[0], out[1], err[0], err[1], exec_err[0], exec_err[1], cg_fd})
        if (fd >= 0) ::close(fd);
      return fail(Errc::io, std::string("fork failed: ") + std::strerror(errno));
    }
    if (pid == 0) {
      ::setpgid(0, 0);
      if (cg_fd >= 0) write_pid(cg_fd, ::getpid());
      sigset_t none;
      sigemptyset(&none);
      ::sigprocmask(SIG_SETMASK, &none, nullptr);
      ::signal(SIGPIPE, SIG_DFL);
      int devnull = ::open("/dev/null", O_RDONLY);
      if (devnull >= 0) ::dup2(devnull, 0);
      ::dup2(out[1], 1);
      ::dup2(err[1], 2);
      if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) {
        int e = errno;
        (void)!::write(exec_err[1], &e, sizeof e);
        ::_exit(127);
      }
      set_limit(RLIMIT_DATA, spec.limits.data_bytes);
      set_limit(RLIMIT_AS, spec.limits.address_space_bytes);
      set_limit(RLIMIT_CPU, spec.limits.cpu_seconds);
      set_limit(RLIMIT_NOFILE, spec.limits.open_files);
      ::execve(program.c_str(), argv.data(), envp.data());
      int e = errno;
      (void)!::write(exec_err[1], &e, sizeof e);
      ::_exit(127);
    }
    ::setpgid(pid, pid);  // also in the parent, so signal_group works even before the child runs
    ::close(exec_err[1]);
    if (cg_fd >= 0) ::close(cg_fd);
    ssize_t got;
    do got = ::read(exec_err[0], &child_errno, sizeof child_errno);
    while (got < 0 && errno == EINTR);
    ::close(exec_err[0]);
    if (got != static_cast<ssize_t>(sizeof child_errno)) child_errno = 0;
  }
  ::close(out[1]);
  ::close(err[1]);
  if (child_errno != 0) {
    ::close(out[0]);
    ::close(err[0]);
    if (pid > 0) {
      int st;
      ::waitpid(pid, &st, 0);
    }
    std::string what = (child_errno == ENOENT && !cwd.empty() && !std::filesystem::is_directory(cwd))
                           ? "cannot enter folder " + cwd
                           : "cannot run '" + spec.argv[0] + "'";
    return fail(child_errno == ENOENT ? Errc::not_found : Errc::io, what + ": " + std::strerror(child_errno));
  }

  auto impl = std::make_unique<Impl>();
  impl->sink = std::move(sink);
  impl->out_fd = out[0];
  impl->err_fd = err[0];
  impl->pid = pid;
  impl->pid_fd = pidfd_open_compat(pid);
  Impl* raw = impl.get();
  impl->monitor = std::thread([raw] { raw->run(); });
  return std::unique_ptr<Process>(new Process(std::move(impl), pid));
}

Process::~Process() {
  if (!wait(std::chrono::milliseconds(0))) terminate(std::chrono::milliseconds(0));
  if (impl_->monitor.joinable()) impl_->monitor.join();
  if (impl_->pid_fd >= 0) ::close(impl_->pid_fd);
}

void Process::signal_group(int sig) {
  std::lock_guard lock(impl_->mu);
  if (!impl_->status) ::killpg(pid_, sig);  // once reaped, the pgid may be reused
}

std::optional<ExitStatus> Process::wait(std::optional<std::chrono::milliseconds> timeout) {
  std::unique_lock lock(impl_->mu);
  auto ready = [&] { return impl_->done; };
  if (timeout) {
    if (!impl_->cv.wait_for(lock, *timeout, ready)) return std::nullopt;
  } else {
    impl_->cv.wait(lock, ready);
  }
  cpu_seconds_ = impl_->cpu_seconds;
  return impl_->status;
}

ExitStatus Process::terminate(std::chrono::milliseconds grace) {
  signal_group(SIGTERM);
  if (auto s = wait(grace)) return *s;
  signal_group(SIGKILL);
  return *wait();
}

}  // namespace lab::sys
