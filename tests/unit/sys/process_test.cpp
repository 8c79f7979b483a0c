#include <doctest/doctest.h>
#include <lab/sys/process.hpp>

#include "alive.hpp"

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <mutex>
#include <thread>

using namespace lab;
using namespace lab::sys;
using lab::sys::testing::alive;
using namespace std::chrono_literals;

namespace {

struct Captured {
  std::mutex mu;
  std::vector<std::pair<Stream, std::string>> lines;
  LineSink sink() {
    return [this](Stream s, std::string_view line, std::int64_t) {
      std::lock_guard lock(mu);
      lines.emplace_back(s, std::string(line));
    };
  }
  std::vector<std::string> of(Stream s) {
    std::lock_guard lock(mu);
    std::vector<std::string> out;
    for (auto& [st, l] : lines)
      if (st == s) out.push_back(l);
    return out;
  }
};

ProcessSpec sh(const std::string& script) { return ProcessSpec{{"/bin/sh", "-c", script}, {}, {}, false, {}, {}, {}}; }

}  // namespace

TEST_CASE("stdout and stderr arrive line by line, in order, with the exit code") {
  Captured c;
  auto p = Process::spawn(sh("for i in 1 2 3; do echo out$i; echo err$i >&2; done; printf tail; exit 7"), c.sink());
  REQUIRE(p);
  auto st = (*p)->wait(10s);
  REQUIRE(st);
  CHECK_FALSE(st->signaled);
  CHECK(st->exit_code == 7);
  CHECK(st->shell_code() == 7);
  CHECK(c.of(Stream::out) == std::vector<std::string>{"out1", "out2", "out3", "tail"});
  CHECK(c.of(Stream::err) == std::vector<std::string>{"err1", "err2", "err3"});
}

TEST_CASE("working folder and environment reach the child") {
  Captured c;
  auto dir = std::filesystem::temp_directory_path() / ("lab-proc-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  auto spec = sh("pwd; echo \"$LAB_TASK_ID\"; echo \"${HOME:-unset}\"");
  spec.cwd = dir;
  spec.env = {{"LAB_TASK_ID", "t-42"}};
  spec.clear_env = true;
  auto p = Process::spawn(spec, c.sink());
  REQUIRE(p);
  REQUIRE((*p)->wait(10s));
  CHECK(c.of(Stream::out) == std::vector<std::string>{std::filesystem::canonical(dir).string(), "t-42", "unset"});
}

TEST_CASE("a missing program or folder is reported before anything runs") {
  auto p = Process::spawn(ProcessSpec{{"no-such-program-xyz"}, {}, {}, false, {}, {}, {}}, {});
  REQUIRE_FALSE(p);
  CHECK(p.error().code == Errc::not_found);
  CHECK(p.error().message.find("no-such-program-xyz") != std::string::npos);

  auto spec = sh("true");
  spec.cwd = "/nonexistent/folder";
  auto q = Process::spawn(spec, {});
  REQUIRE_FALSE(q);
  CHECK(q.error().message.find("/nonexistent/folder") != std::string::npos);
}

TEST_CASE("with or without limits, a child starts clean: stdin empty, no signal blocked, SIGPIPE default, own group") {
  // The parent ignores SIGPIPE and blocks SIGUSR1, as a server does; neither reaches the child.
  auto old_pipe = ::signal(SIGPIPE, SIG_IGN);
  sigset_t usr1, old_mask;
  sigemptyset(&usr1);
  sigaddset(&usr1, SIGUSR1);
  ::pthread_sigmask(SIG_BLOCK, &usr1, &old_mask);
  for (bool limited : {false, true}) {
    CAPTURE(limited);
    Captured c;
    auto spec = sh("if read x; then echo got-input; else echo no-input; fi; "
                   "grep -E '^(SigBlk|SigIgn):' /proc/self/status; cut -d' ' -f5 /proc/$$/stat; echo $$");
    if (limited) spec.limits.open_files = 512;  // needs code of ours in the child: the fork path
    auto p = Process::spawn(spec, c.sink());
    REQUIRE(p);
    REQUIRE((*p)->wait(10s));
    auto out = c.of(Stream::out);
    REQUIRE(out.size() == 5);
    CHECK(out[0] == "no-input");
    CHECK(out[1] == "SigBlk:\t0000000000000000");
    const unsigned long ignored = std::stoul(out[2].substr(out[2].find('\t') + 1), nullptr, 16);
    CHECK((ignored & (1ul << (SIGPIPE - 1))) == 0);
    CHECK(out[3] == out[4]);  // the shell leads its own process group
  }
  ::pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  ::signal(SIGPIPE, old_pipe);
}

TEST_CASE("terminate signals the whole group, grandchildren included") {
  Captured c;
  // The shell ignores TERM; its background child reports its pid and sleeps.
  auto p = Process::spawn(sh("trap '' TERM; sleep 300 & echo $!; wait"), c.sink());
  REQUIRE(p);
  pid_t grandchild = 0;
  for (int i = 0; i < 200 && !grandchild; ++i) {
    auto out = c.of(Stream::out);
    if (!out.empty()) grandchild = std::stoi(out[0]);
    std::this_thread::sleep_for(10ms);
  }
  REQUIRE(grandchild > 0);
  CHECK(alive(grandchild));
  auto t0 = std::chrono::steady_clock::now();
  ExitStatus st = (*p)->terminate(300ms);
  CHECK(std::chrono::steady_clock::now() - t0 < 5s);
  CHECK(st.signaled);
  CHECK(st.signal == SIGKILL);  // TERM was ignored, so KILL after the grace period
  CHECK(st.describe() == "killed by SIGKILL");
  for (int i = 0; i < 100 && alive(grandchild); ++i) std::this_thread::sleep_for(10ms);
  CHECK_FALSE(alive(grandchild));
}

TEST_CASE("a child that honours TERM ends with SIGTERM") {
  auto p = Process::spawn(sh("sleep 300"), {});
  REQUIRE(p);
  std::this_thread::sleep_for(50ms);
  ExitStatus st = (*p)->terminate(5s);
  CHECK(st.signaled);
  CHECK(st.signal == SIGTERM);
  CHECK(st.shell_code() == 128 + SIGTERM);
}

TEST_CASE("leftover background processes are killed after the main process exits") {
  Captured c;
  auto p = Process::spawn(sh("sleep 300 & echo $!; exit 0"), c.sink());
  REQUIRE(p);
  auto st = (*p)->wait(10s);
  REQUIRE(st);
  CHECK(st->exit_code == 0);
  auto out = c.of(Stream::out);
  REQUIRE(out.size() == 1);
  pid_t bg = std::stoi(out[0]);
  for (int i = 0; i < 100 && alive(bg); ++i) std::this_thread::sleep_for(10ms);
  CHECK_FALSE(alive(bg));
}

TEST_CASE("wait with a timeout returns nullopt while the child runs") {
  auto p = Process::spawn(sh("sleep 300"), {});
  REQUIRE(p);
  CHECK_FALSE((*p)->wait(50ms).has_value());
  // the destructor kills and reaps it
}

TEST_CASE("a data limit makes a large allocation fail in the child, a small one pass") {
  auto small = sh("exec python3 -c 'x = bytearray(16 * 1024 * 1024); print(len(x))'");
  small.limits.data_bytes = 256ull << 20;
  auto ok = Process::spawn(small, {});
  REQUIRE(ok);
  CHECK((*ok)->wait(30s)->exit_code == 0);

  auto spec = sh("exec python3 -c 'x = bytearray(512 * 1024 * 1024); print(len(x))'");
  spec.limits.data_bytes = 256ull << 20;
  Captured c;
  auto p = Process::spawn(spec, c.sink());
  REQUIRE(p);
  auto st = (*p)->wait(30s);
  REQUIRE(st);
  CHECK(st->shell_code() != 0);
  bool memory_error = false;
  for (auto& l : c.of(Stream::err)) memory_error |= l.find("MemoryError") != std::string::npos;
  CHECK(memory_error);
}

TEST_CASE("a line of exactly the maximum length stays one line") {
  Captured c;
  auto p = Process::spawn(sh("head -c 65536 /dev/zero | tr '\\0' y; echo; echo next"), c.sink());
  REQUIRE(p);
  REQUIRE((*p)->wait(10s));
  auto out = c.of(Stream::out);
  REQUIRE(out.size() == 2);
  CHECK(out[0].size() == Process::kMaxLine);
  CHECK(out[1] == "next");
}

TEST_CASE("very long lines are split, not buffered without bound") {
  Captured c;
  auto p = Process::spawn(sh("head -c 200000 /dev/zero | tr '\\0' x; echo; echo next"), c.sink());
  REQUIRE(p);
  REQUIRE((*p)->wait(10s));
  auto out = c.of(Stream::out);
  REQUIRE(out.size() == 5);  // 65536 * 3 + 3392, then "next"
  CHECK(out[0].size() == Process::kMaxLine);
  CHECK(out[3].size() == 200000 - 3 * Process::kMaxLine);
  CHECK(out[4] == "next");
}

TEST_CASE("cpu time of the child is reported") {
  auto p = Process::spawn(sh("i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done"), {});
  REQUIRE(p);
  REQUIRE((*p)->wait(60s));
  CHECK((*p)->cpu_seconds() > 0.01);
}
