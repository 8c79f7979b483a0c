// Shared by the remote tests: temp folders, a remote.toml in memory, a recording executor
// sink, and a fake worker that speaks /worker/v1 over real HTTP.
#pragma once

#include <lab/config/roles.hpp>
#include <lab/remote/executor.hpp>

#include <doctest/doctest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

namespace lab::remote::testing {

inline constexpr const char* kWorkersToken = "workers-secret-token";

// A fresh empty directory for one test.
inline std::filesystem::path fresh_dir(const std::string& name) {
  static std::atomic<int> counter{0};
  auto dir = std::filesystem::temp_directory_path() /
             ("lab-remote-test-" + std::to_string(getpid()) + "-" + std::to_string(counter++) + "-" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

// A remote.toml for a worker pool on a free loopback port, everything under `dir`.
inline config::RemoteConfig remote_config(const std::filesystem::path& dir) {
  config::RemoteConfig c;
  c.transport.listen = true;
  c.transport.host = "127.0.0.1";
  c.transport.port = 0;
  c.transport.token = "transport-secret-token";
  c.storage.type = "local";
  c.storage.root = (dir / "storage").string();
  c.database.path = (dir / "remote.db").string();
  c.paths.envs_dir = (dir / "envs").string();
  c.paths.tasks_dir = (dir / "tasks").string();
  c.paths.cache_dir = (dir / "cache").string();
  c.workers.host = "127.0.0.1";
  c.workers.port = 0;
  c.workers.token = kWorkersToken;
  c.workers.lease_timeout_s = 5;
  c.workers.max_requeues = 1;
  return c;
}

// Polls `pred` until it holds or `limit` passes.
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = std::chrono::milliseconds(5000)) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return pred();
}

// Records every executor event as one line: "queued t 1 <reason>", "log t 1 <bytes>", ...
class RecordingSink final : public ExecutorSink {
 public:
  void queued(const std::string& id, int attempt, const std::string& reason) override {
    add("queued " + id + " " + std::to_string(attempt) + " " + reason);
  }
  void requeued(const std::string& id, int attempt, int lost, const std::string& note, const std::string&) override {
    add("requeued " + id + " " + std::to_string(attempt) + " lost=" + std::to_string(lost) + " " + note);
  }
  void started(const std::string& id, int attempt, const std::string& where, std::int64_t) override {
    add("started " + id + " " + std::to_string(attempt) + " " + where);
  }
  void log(const std::string& id, int attempt, std::string_view bytes) override {
    add("log " + id + " " + std::to_string(attempt) + " " + std::string(bytes));
  }
  void finished(const std::string& id, int attempt, const ExecOutcome& o) override {
    const char* s = o.status == ExecOutcome::Status::completed ? "completed"
                    : o.status == ExecOutcome::Status::cancelled ? "cancelled" : "failed";
    std::string keys;
    for (const auto& k : o.result_keys) keys += " " + k;
    add("finished " + id + " " + std::to_string(attempt) + " " + s + " " + o.reason + keys);
    std::lock_guard lock(mu);
    outcomes.push_back(o);
  }
  std::vector<std::string> lines() {
    std::lock_guard lock(mu);
    return events;
  }
  bool has(const std::string& prefix) {
    for (const auto& l : lines())
      if (l.rfind(prefix, 0) == 0) return true;
    return false;
  }
  std::mutex mu;
  std::vector<std::string> events;
  std::vector<ExecOutcome> outcomes;

 private:
  void add(std::string line) {
    std::lock_guard lock(mu);
    events.push_back(std::move(line));
  }
};

// A worker speaking /worker/v1 over HTTP, one call at a time.
class FakeWorker {
 public:
  FakeWorker(const std::string& url, std::string name, std::string token = kWorkersToken)
      : http_(url), name_(std::move(name)), token_(std::move(token)) {
    http_.set_read_timeout(40, 0);
    http_.set_bearer_token_auth(token_.c_str());
  }

  // POSTs `body` to /worker/v1/<path>; returns {status, parsed body or null}.
  std::pair<int, nlohmann::json> post(const std::string& path, const nlohmann::json& body) {
    auto r = http_.Post(("/worker/v1/" + path).c_str(), body.dump(), "application/json");
    REQUIRE_MESSAGE(r, "request to " << path << " failed");
    return {r->status, r->body.empty() ? nlohmann::json() : nlohmann::json::parse(r->body, nullptr, false)};
  }

  std::string register_worker(int slots = 1, std::vector<int> gpus = {}, int cpus = 8) {
    auto [status, body] = post("register", {{"name", name_}, {"hostname", "test-host"}, {"cpus", cpus},
                                            {"memory_bytes", 64ll << 30}, {"gpus", gpus}, {"slots", slots},
                                            {"version", "test"}});
    REQUIRE(status == 200);
    id = body.at("worker_id").get<std::string>();
    return id;
  }

  // One lease long-poll; the assignment, or null after `wait_ms`.
  nlohmann::json lease(int wait_ms, int slots = 1, std::vector<int> gpus = {}) {
    auto [status, body] = post("lease", {{"worker_id", id}, {"wait_ms", wait_ms},
                                         {"free", {{"slots", slots}, {"cpus", 8}, {"memory_bytes", 64ll << 30}, {"gpus", gpus}}}});
    last_status = status;
    if (status == 204) return nullptr;
    REQUIRE_MESSAGE(status == 200, body.dump());
    return body.at("assignment");
  }

  std::pair<int, nlohmann::json> heartbeat(const nlohmann::json& running = nlohmann::json::array()) {
    return post("heartbeat", {{"worker_id", id}, {"running", running}});
  }

  // GET bundle; {status, body bytes}.
  std::pair<int, std::string> bundle(const std::string& task, int attempt) {
    auto r = http_.Get(("/worker/v1/tasks/" + task + "/bundle?attempt=" + std::to_string(attempt)).c_str());
    REQUIRE(r);
    return {r->status, r->body};
  }

  // GET .../datasets/<hash>: the status and body.
  std::pair<int, std::string> dataset(const std::string& task, int attempt, const std::string& hash) {
    auto r = http_.Get(("/worker/v1/tasks/" + task + "/datasets/" + hash + "?attempt=" + std::to_string(attempt)).c_str());
    REQUIRE(r);
    return {r->status, r->body};
  }

  int put_results(const std::string& task, int attempt, const std::string& bytes) {
    auto r = http_.Put(("/worker/v1/tasks/" + task + "/results?attempt=" + std::to_string(attempt)).c_str(), bytes,
                       "application/zstd");
    REQUIRE(r);
    return r->status;
  }

  std::string id;
  int last_status = 0;

 private:
  httplib::Client http_;
  std::string name_, token_;
};

}  // namespace lab::remote::testing
