#include <doctest/doctest.h>
#include <lab/worker/task_runner.hpp>

#include <signal.h>
#include <unistd.h>

#include <mutex>
#include <regex>
#include <thread>

using namespace lab;
using namespace lab::worker;
using namespace std::chrono_literals;

namespace {

struct Log {
  std::mutex mu;
  std::vector<std::string> lines;
  LogWriter writer() {
    return [this](const std::string& l) {
      std::lock_guard lock(mu);
      lines.push_back(l);
    };
  }
  // Texts of the lines of one stream, without time and stream.
  std::vector<std::string> of(const std::string& stream) {
    std::lock_guard lock(mu);
    std::vector<std::string> out;
    for (auto& l : lines) {
      auto sp1 = l.find(' '), sp2 = l.find(' ', sp1 + 1);
      if (l.substr(sp1 + 1, sp2 - sp1 - 1) == stream) out.push_back(l.substr(sp2 + 1, l.size() - sp2 - 2));
    }
    return out;
  }
  bool any(const std::string& needle) {
    std::lock_guard lock(mu);
    for (auto& l : lines)
      if (l.find(needle) != std::string::npos) return true;
    return false;
  }
};

std::filesystem::path fresh_folder(const std::string& name) {
  auto d = std::filesystem::temp_directory_path() / ("lab-runner-" + std::to_string(getpid())) / name;
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d;
}

RunnerOptions no_cgroups() {
  RunnerOptions o;
  o.use_cgroups = false;
  o.grace = 300ms;
  return o;
}

}  // namespace

TEST_CASE("the command sees lab's variables, runs in its workdir, and its lines are timestamped") {
  auto dir = fresh_folder("env");
  std::filesystem::create_directories(dir / "src");
  RunRequest r{"t-1", "pwd; echo $LAB_TASK_ID $PYTHONUNBUFFERED \"[$CUDA_VISIBLE_DEVICES]\" $GREETING; "
                      "echo $LAB_OUTPUT_DIR; echo $LAB_METRICS; echo oops >&2",
               {{"GREETING", "hi"}}, {2, 3}, 1, 0, 0, dir, "src"};
  Log log;
  TaskRunner runner(r, log.writer(), no_cgroups());
  REQUIRE(runner.start());
  auto out = runner.wait();
  CHECK(out.succeeded());
  CHECK(out.status.exit_code == 0);
  CHECK(out.limits == "rlimits");
  auto lines = log.of("out");
  REQUIRE(lines.size() == 4);
  CHECK(lines[0] == std::filesystem::canonical(dir / "src").string());
  CHECK(lines[1] == "t-1 1 [2,3] hi");
  CHECK(lines[2] == (dir / "outputs").string());
  CHECK(lines[3] == (std::filesystem::absolute(dir) / ".lab-metrics.jsonl").string());
  CHECK(log.of("err") == std::vector<std::string>{"oops"});
  CHECK(std::filesystem::is_directory(dir / "outputs"));
  std::regex shape(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (out|err|lab) .*\n)");
  for (auto& l : log.lines) CHECK_MESSAGE(std::regex_match(l, shape), l);
  CHECK(log.any("lab limits: 1 CPU"));
  CHECK(log.any("no cgroup"));
  CHECK(log.any("lab finished: exit code 0"));
}

TEST_CASE("a failing command reports its exit code as the reason") {
  auto dir = fresh_folder("fail");
  Log log;
  TaskRunner runner({"t-2", "exit 3", {}, {}, 1, 0, 0, dir, "."}, log.writer(), no_cgroups());
  REQUIRE(runner.start());
  auto out = runner.wait();
  CHECK_FALSE(out.succeeded());
  CHECK(out.reason == "exit code 3");
  CHECK(out.status.exit_code == 3);
}

TEST_CASE("the time limit stops the whole group and says so") {
  auto dir = fresh_folder("timeout");
  Log log;
  TaskRunner runner({"t-3", "trap '' TERM; sleep 300 & sleep 300; wait", {}, {}, 1, 0, 1, dir, "."}, log.writer(), no_cgroups());
  REQUIRE(runner.start());
  auto t0 = std::chrono::steady_clock::now();
  auto out = runner.wait();
  auto took = std::chrono::steady_clock::now() - t0;
  CHECK(out.timed_out);
  CHECK(out.reason == "time limit 0:00:01 reached");
  CHECK(took >= 900ms);
  CHECK(took < 10s);
  CHECK(out.status.signaled);
  CHECK(log.any("time limit 0:00:01 reached; stopping the task"));
}

TEST_CASE("cancel from another thread ends the task as cancelled") {
  auto dir = fresh_folder("cancel");
  Log log;
  TaskRunner runner({"t-4", "echo started; sleep 300", {}, {}, 1, 0, 0, dir, "."}, log.writer(), no_cgroups());
  REQUIRE(runner.start());
  std::thread canceller([&] {
    for (int i = 0; i < 200 && !log.any("out started"); ++i) std::this_thread::sleep_for(10ms);
    runner.cancel();
  });
  auto out = runner.wait();
  canceller.join();
  CHECK(out.cancelled);
  CHECK(out.reason == "cancelled");
  CHECK(out.status.signal == SIGTERM);
}

TEST_CASE("without cgroups, the memory limit is enforced with rlimits") {
  auto dir = fresh_folder("mem");
  Log log;
  TaskRunner runner({"t-5", "python3 -c 'x = bytearray(600 * 1024 * 1024)'", {}, {}, 1, 256ull << 20, 0, dir, "."},
                    log.writer(), no_cgroups());
  REQUIRE(runner.start());
  auto out = runner.wait();
  CHECK_FALSE(out.succeeded());
  CHECK(log.any("MemoryError"));
  CHECK(log.any("256 MiB memory"));
}

TEST_CASE("a missing workdir fails to start with the folder named") {
  auto dir = fresh_folder("nowd");
  TaskRunner runner({"t-6", "true", {}, {}, 1, 0, 0, dir, "does/not/exist"}, {}, no_cgroups());
  auto r = runner.start();
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("does/not/exist") != std::string::npos);
}

TEST_CASE("time limits are shown as Slurm writes them") {
  CHECK(format_time_limit(600) == "0:10:00");
  CHECK(format_time_limit(3661) == "1:01:01");
  CHECK(format_time_limit(93784) == "1-02:03:04");
}
