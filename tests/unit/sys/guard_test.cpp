// The task guard (`lab __task-guard`, ProcessSpec::guard), run from the real lab binary.
#include <doctest/doctest.h>
#include <lab/sys/process.hpp>

#include "alive.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

using namespace lab;
using namespace lab::sys;
using lab::sys::testing::alive;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

ProcessSpec guarded(const std::string& script) {
  ProcessSpec spec;
  spec.argv = {"/bin/sh", "-c", script};
  spec.guard = LAB_BINARY;
  return spec;
}

pid_t read_pid(const fs::path& file) {
  for (int i = 0; i < 100; ++i) {
    std::ifstream in(file);
    pid_t pid = 0;
    if (in >> pid && pid > 0) return pid;
    std::this_thread::sleep_for(50ms);
  }
  return 0;
}

bool gone_within(pid_t pid, std::chrono::milliseconds limit) {
  auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (!alive(pid)) return true;
    std::this_thread::sleep_for(50ms);
  }
  return !alive(pid);
}

// Starts `sh -c SCRIPT` as a plain child (no Process object, which would clean up after it)
// in its own process group, kills that shell with SIGKILL once `pid_file` names the task's
// process, and says whether that process was gone within `limit`.
bool task_dies_with_its_parent(const std::string& script, const fs::path& pid_file,
                               std::chrono::milliseconds limit) {
  pid_t parent = ::fork();
  if (parent == 0) {
    ::setpgid(0, 0);
    ::execl("/bin/sh", "sh", "-c", script.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  REQUIRE(parent > 0);
  pid_t task = read_pid(pid_file);
  REQUIRE(task > 0);
  REQUIRE(alive(task));
  ::kill(parent, SIGKILL);
  ::waitpid(parent, nullptr, 0);
  bool gone = gone_within(task, limit);
  ::killpg(parent, SIGKILL);  // whatever is left, so no test leaves processes behind
  return gone;
}

}  // namespace

TEST_CASE("a guarded child's output, exit code and fatal signal pass through the guard") {
  std::mutex mu;
  std::vector<std::string> out;
  auto p = Process::spawn(guarded("echo one; echo two >&2; exit 7"), [&](Stream, std::string_view l, std::int64_t) {
    std::lock_guard lock(mu);
    out.emplace_back(l);
  });
  REQUIRE(p);
  auto st = (*p)->wait(10s);
  REQUIRE(st);
  CHECK_FALSE(st->signaled);
  CHECK(st->exit_code == 7);
  CHECK(out.size() == 2);

  auto killed = Process::spawn(guarded("kill -USR1 $$; sleep 5"), {});
  REQUIRE(killed);
  st = (*killed)->wait(10s);
  REQUIRE(st);
  CHECK(st->signaled);
  CHECK(st->signal == SIGUSR1);
}

TEST_CASE("terminating a guarded group stops the child and everything it started") {
  auto dir = fs::temp_directory_path() / ("lab-guard-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  auto p = Process::spawn(guarded("sleep 300 & echo $! > " + (dir / "bg").string() + "; sleep 301"), {});
  REQUIRE(p);
  pid_t bg = read_pid(dir / "bg");
  REQUIRE(bg > 0);
  auto st = (*p)->terminate(2s);
  CHECK(st.signaled);
  CHECK(st.signal == SIGTERM);  // the shell's end, passed on by the guard
  CHECK(gone_within(bg, 3s));
  fs::remove_all(dir);
}

TEST_CASE("a guarded task dies with the process that started it, even on SIGKILL") {
  auto dir = fs::temp_directory_path() / ("lab-guard-kill-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string lab = LAB_BINARY;
  const std::string inner = "echo $$ > " + (dir / "PID").string() + "; exec sleep 300";

  // Without a guard the task outlives its killed parent: the check below can fail.
  std::string plain = "/bin/sh -c '" + inner + "' & wait";
  std::string plain_with_file = plain;
  plain_with_file.replace(plain_with_file.find("PID"), 3, "plain");
  CHECK_FALSE(task_dies_with_its_parent(plain_with_file, dir / "plain", 1s));

  // With the guard (its parent is the shell that is killed) it is stopped within a poll.
  std::string with_guard = lab + " " + std::string(kGuardVerb) + " $$ -- /bin/sh -c '" + inner + "' & wait";
  with_guard.replace(with_guard.find("PID"), 3, "guarded");
  CHECK(task_dies_with_its_parent(with_guard, dir / "guarded", 3s));
  fs::remove_all(dir);
}

TEST_CASE("the guard refuses malformed arguments") {
  CHECK(run_guard({}) == 2);
  CHECK(run_guard({"abc", "--", "/bin/true"}) == 2);
  CHECK(run_guard({"123", "/bin/true"}) == 2);
  CHECK(run_guard({"1", "--", "/bin/true"}) == 2);
}
