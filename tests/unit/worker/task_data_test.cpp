// A worker's datasets against the fake remote: fetched once per machine into the dataset
// cache however many tasks use them at once, linked at datasets/<name>, never results, and
// kept when the task folders go.
#include "fake_remote.hpp"

#include <doctest/doctest.h>
#include <lab/datasets/cache.hpp>
#include <lab/worker/agent.hpp>

#include <unistd.h>

#include <fstream>
#include <sstream>

using namespace lab;
using namespace lab::worker;
using namespace lab::worker::test;
namespace fs = std::filesystem;

namespace {

const std::string kHash = "0123456789abcdef0123456789abcdef";

struct Scratch {
  fs::path dir = fs::temp_directory_path() / ("lab-task-data-test-" + std::to_string(::getpid()) + "-" +
                                              std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
  Scratch() { fs::create_directories(dir); }
  ~Scratch() { (void)datasets::remove_tree(dir); }
};

Options options(const std::string& url, const fs::path& work, int slots) {
  Options o;
  o.config.remote = url;
  o.config.token = kToken;
  o.config.work_dir = work.string();
  o.config.cpus = 4;
  o.config.memory_bytes = 8ull << 30;
  o.config.slots = slots;
  o.name = "data-worker";
  o.log = [](std::string_view) {};
  o.tuning.lease_wait = 300ms;
  o.tuning.retry_first = 50ms;
  o.tuning.retry_max = 200ms;
  o.tuning.grace = 300ms;
  o.tuning.log_interval = 20ms;
  o.tuning.heartbeat_fallback = 100ms;
  o.tuning.use_cgroups = false;
  return o;
}

json assignment(const std::string& id, const std::string& command) {
  return {{"task_id", id},         {"attempt", 1},          {"command", command},
          {"env", json::object()}, {"gpus", json::array()}, {"cpus", 1},
          {"memory_bytes", 0},     {"time_limit_s", 60},    {"download", {"outputs/", "datasets/"}},
          {"datasets", {{{"name", "cifar"}, {"hash", kHash}}}}};
}

// The text after "<time> out " of each output line.
std::vector<std::string> out_lines(const std::string& log) {
  std::vector<std::string> out;
  std::istringstream in(log);
  for (std::string line; std::getline(in, line);)
    if (auto at = line.find(" out "); at != std::string::npos) out.push_back(line.substr(at + 5));
  return out;
}

// Names of the files in a results tar.zst.
std::vector<std::string> result_names(const std::string& bytes, const fs::path& scratch) {
  const fs::path file = scratch / "r.tar.zst", dir = scratch / "r";
  fs::remove_all(dir);
  std::ofstream(file, std::ios::binary) << bytes;
  REQUIRE(archive::unpack(file, dir));
  std::vector<std::string> out;
  for (auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) out.push_back(e.path().lexically_relative(dir).generic_string());
  return out;
}

}  // namespace

TEST_CASE("worker datasets: two tasks at once fetch the dataset once, read the same files, and leave it cached") {
  Scratch scratch;
  FakeRemote remote;
  remote.add_dataset(kHash, {{"labels.txt", "cat\ndog\n"}, {"train/x.bin", "pixels"}});
  auto agent = worker::start(options(remote.url(), scratch.dir / "work", 2));
  REQUIRE_MESSAGE(agent, agent.error().message);
  const std::string cmd =
      "head -n1 datasets/cifar/labels.txt; stat -c 'inode=%i mode=%a' datasets/cifar/labels.txt; "
      "echo \"dir=$LAB_DATASETS_DIR\"; mkdir -p outputs && echo r > outputs/r.txt";
  remote.queue(assignment("d-1", cmd), {{"train.py", "print(1)\n"}});
  remote.queue(assignment("d-2", cmd), {{"train.py", "print(2)\n"}});
  REQUIRE(remote.wait_until([&] {
    return !remote.attempts["d-1-1"].finished.is_null() && !remote.attempts["d-2-1"].finished.is_null();
  }));

  const fs::path copy = scratch.dir / "work" / "datasets" / kHash;
  // The folders go once `finished` is acknowledged; give the job threads a moment.
  for (int i = 0; i < 100 && (fs::exists(scratch.dir / "work" / "d-1-1") || fs::exists(scratch.dir / "work" / "d-2-1")); ++i)
    std::this_thread::sleep_for(20ms);
  std::lock_guard lock(remote.mu);
  CHECK(remote.dataset_gets == 1);
  std::string inode;
  for (const char* key : {"d-1-1", "d-2-1"}) {
    Attempt& at = remote.attempts[key];
    CAPTURE(at.log);
    CHECK(at.finished["exit_code"] == 0);
    auto out = out_lines(at.log);
    REQUIRE(out.size() == 3);
    CHECK(out[0] == "cat");
    CHECK(out[1].find("mode=444") != std::string::npos);
    if (inode.empty()) inode = out[1];
    CHECK(out[1] == inode);  // the same file on disk for both tasks
    const std::string task = std::string(key);
    CHECK(out[2] == "dir=" + (scratch.dir / "work" / task / "datasets").string());
    CHECK(at.log.find("dataset cifar ready") != std::string::npos);
    // datasets/ was asked for as a result, but the link is never followed.
    CHECK(result_names(at.results, scratch.dir) == std::vector<std::string>{"outputs/r.txt"});
  }
  // The task folders are gone; the machine's copy stays, read-only.
  CHECK_FALSE(fs::exists(scratch.dir / "work" / "d-1-1"));
  CHECK_FALSE(fs::exists(scratch.dir / "work" / "d-2-1"));
  CHECK(fs::exists(copy / "labels.txt"));
  CHECK((fs::status(copy / "labels.txt").permissions() & fs::perms::owner_write) == fs::perms::none);
}

TEST_CASE("worker datasets: a dataset the remote cannot serve fails the task in plain words and caches nothing") {
  Scratch scratch;
  FakeRemote remote;
  auto agent = worker::start(options(remote.url(), scratch.dir / "work", 1));
  REQUIRE_MESSAGE(agent, agent.error().message);
  remote.queue(assignment("d-3", "echo never"), {{"train.py", "print(1)\n"}});
  REQUIRE(remote.wait_until([&] { return !remote.attempts["d-3-1"].finished.is_null(); }));
  std::lock_guard lock(remote.mu);
  Attempt& at = remote.attempts["d-3-1"];
  CHECK_FALSE(at.started);
  const std::string reason = at.finished["reason"];
  CHECK(reason.find("could not download dataset cifar (HTTP 410") != std::string::npos);
  CHECK(at.log.find("never") == std::string::npos);
  CHECK_FALSE(fs::exists(scratch.dir / "work" / "datasets" / kHash));
}
