// The worker agent against a fake remote (fake_remote.hpp): the whole life of a task,
// cancel through a heartbeat, "unknown_worker", and a remote that goes away and comes back.
#include "fake_remote.hpp"

#include <doctest/doctest.h>
#include <lab/archive/archive.hpp>
#include <lab/worker/agent.hpp>

#include <unistd.h>

#include <fstream>
#include <sstream>

using namespace lab;
using namespace lab::worker;
using namespace lab::worker::test;

namespace {

namespace fs = std::filesystem;

struct Scratch {
  fs::path dir = fs::temp_directory_path() / ("lab-agent-test-" + std::to_string(::getpid()) + "-" +
                                              std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
  Scratch() { fs::create_directories(dir); }
  ~Scratch() { fs::remove_all(dir); }
};

// Collects the agent's messages.
struct Messages {
  std::mutex mu;
  std::vector<std::string> lines;
  std::function<void(std::string_view)> sink() {
    return [this](std::string_view s) {
      std::lock_guard lock(mu);
      lines.emplace_back(s);
    };
  }
  bool any(const std::string& needle) {
    std::lock_guard lock(mu);
    for (auto& l : lines)
      if (l.find(needle) != std::string::npos) return true;
    return false;
  }
  std::string all() {
    std::lock_guard lock(mu);
    std::string out;
    for (auto& l : lines) out += l + "\n";
    return out;
  }
};

Options fast_options(const std::string& url, const fs::path& work, Messages& messages) {
  Options o;
  o.config.remote = url;
  o.config.token = kToken;
  o.config.work_dir = work.string();
  o.config.cpus = 4;
  o.config.memory_bytes = 8ull << 30;
  o.config.gpus = {0, 1};
  o.name = "test-worker";
  o.log = messages.sink();
  o.tuning.lease_wait = 300ms;
  o.tuning.retry_first = 50ms;
  o.tuning.retry_max = 200ms;
  o.tuning.grace = 300ms;
  o.tuning.log_interval = 20ms;
  o.tuning.log_batch_bytes = 512;
  o.tuning.heartbeat_fallback = 100ms;
  o.tuning.use_cgroups = false;
  return o;
}

json assignment(const std::string& id, const std::string& command) {
  return {{"task_id", id},  {"attempt", 0},          {"command", command},  {"env", json::object()},
          {"gpus", json::array()}, {"cpus", 1}, {"memory_bytes", 0}, {"time_limit_s", 60},
          {"download", {"outputs/"}}};
}

// The files of a tar.zst held in memory, relative path -> contents.
std::map<std::string, std::string> unpack_to_map(const std::string& bytes, const fs::path& scratch) {
  fs::path file = scratch / "results.tar.zst", dir = scratch / "results";
  std::ofstream(file, std::ios::binary) << bytes;
  auto r = archive::unpack(file, dir);
  REQUIRE_MESSAGE(r, r.error().message);
  std::map<std::string, std::string> out;
  for (auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    std::ifstream in(e.path());
    std::stringstream ss;
    ss << in.rdbuf();
    out[e.path().lexically_relative(dir).generic_string()] = ss.str();
  }
  return out;
}

// The texts of one stream's lines in a log ("<time> <stream> <text>\n" each).
std::vector<std::string> lines_of(const std::string& log, const std::string& stream) {
  std::vector<std::string> out;
  std::istringstream in(log);
  for (std::string line; std::getline(in, line);) {
    auto sp1 = line.find(' '), sp2 = line.find(' ', sp1 + 1);
    if (sp1 != std::string::npos && sp2 != std::string::npos && line.substr(sp1 + 1, sp2 - sp1 - 1) == stream)
      out.push_back(line.substr(sp2 + 1));
  }
  return out;
}

// Processes of process group `pgid` that are still alive (not zombies), from /proc.
int living_in_group(pid_t pgid) {
  int n = 0;
  for (auto& e : fs::directory_iterator("/proc")) {
    std::ifstream in(e.path() / "stat");
    std::string stat;
    if (!std::getline(in, stat)) continue;
    auto close = stat.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(stat.substr(close + 2));
    char state = 0;
    long ppid = 0, pgrp = 0;
    rest >> state >> ppid >> pgrp;
    if (pgrp == pgid && state != 'Z') ++n;
  }
  return n;
}

}  // namespace

TEST_CASE("a task's whole life: register, idle heartbeats, lease, bundle, started, logs, results, finished") {
  Scratch scratch;
  FakeRemote remote;
  remote.fail_log_posts = 1;  // the first log post fails: it must be sent again unchanged
  Messages messages;
  auto agent = worker::start(fast_options(remote.url(), scratch.dir / "work", messages));
  REQUIRE_MESSAGE(agent, agent.error().message);

  // Idle: it registers and heartbeats with nothing running.
  REQUIRE(remote.wait_until([&] { return remote.idle_heartbeats >= 2 && !remote.lease_bodies.empty(); }));
  {
    std::lock_guard lock(remote.mu);
    CHECK(remote.registrations == 1);
    CHECK(remote.register_bodies[0]["name"] == "test-worker");
    CHECK(remote.register_bodies[0]["gpus"] == json({0, 1}));
    CHECK(remote.register_bodies[0]["cpus"] == 4);
    json free = remote.lease_bodies[0]["free"];
    CHECK(free["slots"] == 1);
    CHECK(free["gpus"] == json({0, 1}));
    CHECK(free["memory_bytes"] == 8ull << 30);
  }

  std::string script =
      "i=1; while [ $i -le 200 ]; do echo \"line $i\"; i=$((i+1)); done\n"
      "echo \"id=$LAB_TASK_ID out=$LAB_OUTPUT_DIR cuda=[$CUDA_VISIBLE_DEVICES] py=$PYTHONUNBUFFERED x=$X\"\n"
      "echo oops >&2\n"
      "mkdir -p outputs/sub && echo '{\"acc\": 1}' > outputs/metrics.json && echo a > outputs/sub/a.txt\n"
      "echo not-wanted > notes.txt\n"
      "cat data/in.txt\n";
  json a = assignment("t-1", "sh run.sh");
  a["env"] = {{"X", "y"}};
  a["gpus"] = {1};
  remote.queue(a, {{"run.sh", script}, {"data/in.txt", "input-data"}});

  REQUIRE_MESSAGE(remote.wait_until([&] { return !remote.attempts["t-1-0"].finished.is_null(); }), messages.all());
  // The folder goes once `finished` is acknowledged; give the job thread a moment.
  for (int i = 0; i < 100 && fs::exists(scratch.dir / "work" / "t-1-0"); ++i) std::this_thread::sleep_for(20ms);
  CHECK_FALSE(fs::exists(scratch.dir / "work" / "t-1-0"));
  CHECK_FALSE(fs::exists(scratch.dir / "work" / "t-1-0.bundle.tar.zst"));
  CHECK_FALSE(fs::exists(scratch.dir / "work" / "t-1-0.results.tar.zst"));

  std::lock_guard lock(remote.mu);
  Attempt& at = remote.attempts["t-1-0"];
  CHECK(at.events == std::vector<std::string>{"bundle", "started", "results", "finished"});
  CHECK(at.limits == "rlimit");
  CHECK(at.gaps.empty());
  CHECK(at.log_posts > 1);  // 512-byte batches
  CHECK(!remote.failed_log.empty());
  CHECK(remote.retried_log == remote.failed_log);

  auto out = lines_of(at.log, "out");
  REQUIRE(out.size() == 202);
  for (int i = 1; i <= 200; ++i) CHECK(out[static_cast<std::size_t>(i - 1)] == "line " + std::to_string(i));
  CHECK(out[200] == "id=t-1 out=" + (scratch.dir / "work" / "t-1-0" / "outputs").string() + " cuda=[1] py=1 x=y");
  CHECK(out[201] == "input-data");
  CHECK(lines_of(at.log, "err") == std::vector<std::string>{"oops"});
  CHECK(at.log.find(" lab limits: 1 CPU") != std::string::npos);
  CHECK(at.log.find(" lab finished: exit code 0") != std::string::npos);

  auto files = unpack_to_map(at.results, scratch.dir);
  CHECK(files.size() == 2);
  CHECK(files["outputs/metrics.json"] == "{\"acc\": 1}\n");
  CHECK(files["outputs/sub/a.txt"] == "a\n");

  CHECK(at.finished["exit_code"] == 0);
  CHECK(at.finished["signal"] == 0);
  CHECK(at.finished["reason"] == "");
  CHECK(at.finished["wall_seconds"].get<double>() > 0);
  CHECK(at.finished["cpu_seconds"].is_number());
}

TEST_CASE("a cancel in the heartbeat answer stops the whole process group; results and finished still go") {
  Scratch scratch;
  FakeRemote remote;
  Messages messages;
  auto agent = worker::start(fast_options(remote.url(), scratch.dir / "work", messages));
  REQUIRE(agent);
  fs::path pidfile = scratch.dir / "pid";
  json a = assignment("t-2", "sleep 300 & echo $$ > \"$PIDFILE\"; echo ready; wait");
  a["env"] = {{"PIDFILE", pidfile.string()}};
  remote.queue(a, {{"keep.txt", "x"}});
  REQUIRE(remote.wait_until([&] { return remote.attempts["t-2-0"].log.find(" out ready") != std::string::npos; }));
  pid_t pgid = 0;
  std::ifstream(pidfile) >> pgid;
  REQUIRE(pgid > 0);
  CHECK(living_in_group(pgid) == 2);  // sh and its sleep
  {
    std::lock_guard lock(remote.mu);
    remote.to_cancel.push_back({{"task_id", "t-2"}, {"attempt", 0}});
  }
  REQUIRE_MESSAGE(remote.wait_until([&] { return !remote.attempts["t-2-0"].finished.is_null(); }, 10s), messages.all());
  CHECK(living_in_group(pgid) == 0);
  std::lock_guard lock(remote.mu);
  Attempt& at = remote.attempts["t-2-0"];
  CHECK(at.finished["reason"] == "cancelled");
  CHECK(at.events == std::vector<std::string>{"bundle", "started", "results", "finished"});
  CHECK(messages.any("the remote cancelled task t-2"));
}

TEST_CASE("a 409 for an attempt stops that task without reporting it") {
  Scratch scratch;
  FakeRemote remote;
  Messages messages;
  auto agent = worker::start(fast_options(remote.url(), scratch.dir / "work", messages));
  REQUIRE(agent);
  fs::path pidfile = scratch.dir / "pid";
  json a = assignment("t-3", "echo $$ > \"$PIDFILE\"; while true; do echo tick; sleep 0.05; done");
  a["env"] = {{"PIDFILE", pidfile.string()}};
  remote.queue(a, {{"keep.txt", "x"}});
  REQUIRE(remote.wait_until([&] { return remote.attempts["t-3-0"].log.find(" out tick") != std::string::npos; }));
  pid_t pgid = 0;
  std::ifstream(pidfile) >> pgid;
  REQUIRE(pgid > 0);
  {
    std::lock_guard lock(remote.mu);
    remote.stale.insert("t-3-0");  // requeued elsewhere: every call for attempt 0 now gets 409
  }
  bool gone = false;
  for (int i = 0; i < 250 && !gone; ++i) {
    std::this_thread::sleep_for(20ms);
    gone = living_in_group(pgid) == 0 && !fs::exists(scratch.dir / "work" / "t-3-0");
  }
  CHECK(gone);
  std::lock_guard lock(remote.mu);
  CHECK(remote.attempts["t-3-0"].finished.is_null());
  CHECK(remote.attempts["t-3-0"].results.empty());
  CHECK(messages.any("gave this attempt to someone else"));
}

TEST_CASE("404 unknown_worker makes the worker register again and keep working") {
  Scratch scratch;
  FakeRemote remote;
  Messages messages;
  auto agent = worker::start(fast_options(remote.url(), scratch.dir / "work", messages));
  REQUIRE(agent);
  REQUIRE(remote.wait_until([&] { return remote.heartbeats >= 1; }));
  {
    std::lock_guard lock(remote.mu);
    remote.known_workers.clear();  // the remote forgot every worker (e.g. it lost its state)
  }
  REQUIRE(remote.wait_until([&] { return remote.registrations == 2; }));
  remote.queue(assignment("t-4", "echo after"), {{"f", "x"}});
  REQUIRE(remote.wait_until([&] { return !remote.attempts["t-4-0"].finished.is_null(); }));
  std::lock_guard lock(remote.mu);
  CHECK(remote.register_bodies[1]["name"] == "test-worker");
  CHECK(remote.attempts["t-4-0"].finished["exit_code"] == 0);
  CHECK(messages.any("registering again"));
}

TEST_CASE("a remote that is down, then up, then briefly down mid-task: the worker keeps going") {
  Scratch scratch;
  int port = 0;
  {
    FakeRemote probe;  // find a free port, then free it
    port = probe.port();
  }
  Messages messages;
  auto agent = worker::start(fast_options("http://127.0.0.1:" + std::to_string(port), scratch.dir / "work", messages));
  REQUIRE(agent);
  for (int i = 0; i < 200 && !messages.any("retrying in"); ++i) std::this_thread::sleep_for(10ms);
  CHECK(messages.any("cannot reach the remote at http://127.0.0.1:" + std::to_string(port) + " (connection refused"));
  CHECK(messages.any("; retrying in "));

  FakeRemote remote(port);
  REQUIRE(remote.wait_until([&] { return remote.registrations == 1; }));
  remote.queue(assignment("t-5", "i=1; while [ $i -le 30 ]; do echo \"n $i\"; i=$((i+1)); sleep 0.05; done"), {{"f", "x"}});
  REQUIRE(remote.wait_until([&] { return remote.attempts["t-5-0"].log.find(" out n 3") != std::string::npos; }));
  remote.down();
  std::this_thread::sleep_for(600ms);
  remote.up(port);
  REQUIRE_MESSAGE(remote.wait_until([&] { return !remote.attempts["t-5-0"].finished.is_null(); }), messages.all());
  std::lock_guard lock(remote.mu);
  Attempt& at = remote.attempts["t-5-0"];
  CHECK(at.gaps.empty());
  auto out = lines_of(at.log, "out");
  REQUIRE(out.size() == 30);
  for (int i = 1; i <= 30; ++i) CHECK(out[static_cast<std::size_t>(i - 1)] == "n " + std::to_string(i));
  CHECK(at.finished["exit_code"] == 0);
}

TEST_CASE("stop interrupts a waiting long-poll, stops running tasks, removes their folders and deregisters") {
  Scratch scratch;
  FakeRemote remote;
  Messages messages;
  Options o = fast_options(remote.url(), scratch.dir / "work", messages);
  o.config.slots = 2;
  o.tuning.lease_wait = 20s;
  auto agent = worker::start(o);
  REQUIRE(agent);
  remote.queue(assignment("t-6", "echo ready; sleep 300"), {{"f", "x"}});
  REQUIRE(remote.wait_until([&] { return remote.attempts["t-6-0"].log.find(" out ready") != std::string::npos; }));
  // The second slot is free, so a lease long-poll is waiting now; it reports one slot and
  // what the running task does not use.
  REQUIRE(remote.wait_until([&] { return remote.lease_bodies.size() >= 2; }));
  {
    std::lock_guard lock(remote.mu);
    CHECK(remote.lease_bodies.back()["free"]["slots"] == 1);
    CHECK(remote.lease_bodies.back()["free"]["cpus"] == 3);
  }
  auto t0 = std::chrono::steady_clock::now();
  (*agent)->stop();
  CHECK(std::chrono::steady_clock::now() - t0 < 5s);
  CHECK_FALSE(fs::exists(scratch.dir / "work" / "t-6-0"));
  std::lock_guard lock(remote.mu);
  CHECK(remote.deregistered == std::vector<std::string>{"w-1"});
  CHECK(remote.attempts["t-6-0"].finished.is_null());
}

TEST_CASE("start refuses a missing token and a malformed remote URL") {
  Messages messages;
  Scratch scratch;
  Options o = fast_options("http://127.0.0.1:1", scratch.dir / "work", messages);
  o.config.token.clear();
  auto r = worker::start(o);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Errc::invalid_argument);
  CHECK(r.error().message.find("token") != std::string::npos);
  o = fast_options("cluster:8802", scratch.dir / "work", messages);
  r = worker::start(o);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Errc::invalid_argument);
}
