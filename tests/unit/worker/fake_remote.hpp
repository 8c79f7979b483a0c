// A small in-process stand-in for `lab remote`'s /worker/v1 API (docs/worker-protocol.md),
// for testing the worker agent: it records every call and checks the log offsets. Its state
// outlives the HTTP server, so a test can take the remote down and bring it back on the
// same port.
#pragma once

#include <doctest/doctest.h>
#include <lab/archive/archive.hpp>
#include <lab/net/server.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace lab::worker::test {

using nlohmann::json;
using namespace std::chrono_literals;

inline constexpr const char* kToken = "worker-secret";

// One attempt as the fake remote saw it.
struct Attempt {
  bool started = false;
  std::string limits;
  std::string log;                 // the bytes taken, in offset order
  int log_posts = 0;               // posts that were taken (not repeats, not failed)
  int repeats = 0;                 // posts whose offset was already taken
  std::vector<std::string> gaps;   // offsets that skipped ahead: must stay empty
  std::string results;             // the PUT body
  json finished;                   // the finished body, null until then
  std::vector<std::string> events; // "bundle", "started", "results", "finished" in order
};

class FakeRemote {
 public:
  explicit FakeRemote(int port = 0) { up(port); }
  ~FakeRemote() { down(); }

  // Serves on `port` (0 = any free one; then the same port on every later up()).
  void up(int port = 0) {
    {
      std::lock_guard lock(mu);
      closing = false;
    }
    net::ServerOptions o;
    o.port = port ? port : port_;
    o.token = kToken;
    o.max_body_bytes = 64u << 20;
    auto s = net::Server::create(o);
    REQUIRE(s);
    server_ = std::move(*s);
    routes();
    auto p = server_->start();
    REQUIRE_MESSAGE(p, p.error().message);
    port_ = *p;
  }

  // Stops serving; pending long-polls end at once. The recorded state stays.
  void down() {
    {
      std::lock_guard lock(mu);
      closing = true;
      cv.notify_all();
    }
    if (server_) server_->stop();
    server_.reset();
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }

  // Queues an assignment for the next lease; `files` are the task folder's files.
  void queue(json assignment, const std::map<std::string, std::string>& files) {
    std::lock_guard lock(mu);
    bundles[assignment["task_id"].get<std::string>()] = pack(files);
    assignments.push_back(std::move(assignment));
    cv.notify_all();
  }

  // Serves dataset `hash` (GET .../datasets/<hash>) with these files, slowly enough that
  // tasks asking at once overlap.
  void add_dataset(const std::string& hash, const std::map<std::string, std::string>& files) {
    std::lock_guard lock(mu);
    datasets[hash] = pack(files);
  }

  // Waits until `pred` (called with `mu` held) holds, at most `limit`.
  bool wait_until(const std::function<bool()>& pred, std::chrono::milliseconds limit = 20s) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, limit, pred);
  }

  std::string key(const std::string& id, std::int64_t attempt) { return id + "-" + std::to_string(attempt); }

  // Everything below is guarded by `mu`.
  std::mutex mu;
  std::condition_variable cv;
  bool closing = false;
  int registrations = 0;
  std::vector<json> register_bodies;
  std::set<std::string> known_workers;
  std::deque<json> assignments;
  std::vector<json> lease_bodies;
  int heartbeats = 0;
  int idle_heartbeats = 0;         // heartbeats with an empty "running" list
  std::vector<json> to_cancel;     // answered in the next heartbeat
  std::set<std::string> stale;     // attempt keys answered with 409
  int fail_log_posts = 0;          // answer this many log posts with 500 first
  std::string failed_log;          // "offset:data" of the last post answered 500
  std::string retried_log;         // "offset:data" of the post after it
  std::map<std::string, std::string> bundles;
  std::map<std::string, std::string> datasets;  // by hash: tar.zst served for it
  int dataset_gets = 0;                         // GET .../datasets/<hash> calls
  std::map<std::string, Attempt> attempts;  // by "<task_id>-<attempt>"
  std::vector<std::string> deregistered;
  int worker_counter = 0;

 private:
  static std::string pack(const std::map<std::string, std::string>& files) {
    std::string out;
    auto dir = std::filesystem::temp_directory_path() / ("lab-fake-bundle-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    for (const auto& [path, text] : files) {
      std::filesystem::create_directories((dir / path).parent_path());
      FILE* f = std::fopen((dir / path).c_str(), "wb");
      std::fwrite(text.data(), 1, text.size(), f);
      std::fclose(f);
    }
    std::filesystem::create_directories(dir);
    archive::WriteFn sink = [&](std::span<const std::byte> b) -> Result<void> {
      out.append(reinterpret_cast<const char*>(b.data()), b.size());
      return {};
    };
    REQUIRE(archive::pack_folder(dir, sink));
    std::filesystem::remove_all(dir);
    return out;
  }

  static net::Response ok(const json& j) { return {200, j.dump(), "application/json"}; }

  // 404 unknown_worker unless the body names a known worker. REQUIRES: mu held.
  std::optional<net::Response> check_worker(const json& body) {
    if (known_workers.count(body.value("worker_id", ""))) return std::nullopt;
    return net::json_error(404, "unknown_worker", "no such worker; register again");
  }

  // The attempt a task call names, or a 409. REQUIRES: mu held.
  std::variant<Attempt*, net::Response> attempt_of(const std::string& id, std::int64_t attempt) {
    std::string k = key(id, attempt);
    if (stale.count(k)) return net::json_error(409, "conflict", "attempt " + k + " is no longer current");
    return &attempts[k];
  }

  void routes() {
    auto& s = *server_;
    s.route("POST", "/worker/v1/register", [this](const net::Request& r) {
      std::lock_guard lock(mu);
      auto body = json::parse(r.body);
      register_bodies.push_back(body);
      ++registrations;
      std::string id = "w-" + std::to_string(++worker_counter);
      known_workers.insert(id);
      cv.notify_all();
      return ok({{"worker_id", id}, {"lease_timeout_ms", 5000}, {"heartbeat_ms", 100}});
    });
    s.route("POST", "/worker/v1/deregister", [this](const net::Request& r) {
      std::lock_guard lock(mu);
      deregistered.push_back(json::parse(r.body).value("worker_id", ""));
      cv.notify_all();
      return ok(json::object());
    });
    s.route("POST", "/worker/v1/lease", [this](const net::Request& r) {
      std::unique_lock lock(mu);
      auto body = json::parse(r.body);
      if (auto e = check_worker(body)) return *e;
      lease_bodies.push_back(body);
      cv.notify_all();
      auto wait = std::chrono::milliseconds(std::min<std::int64_t>(body.value("wait_ms", 0), 30000));
      cv.wait_for(lock, wait, [&] { return closing || !assignments.empty(); });
      if (closing || assignments.empty()) return net::Response{204, "", "application/json"};
      json a = assignments.front();
      assignments.pop_front();
      return ok({{"assignment", a}});
    });
    s.route("POST", "/worker/v1/heartbeat", [this](const net::Request& r) {
      std::lock_guard lock(mu);
      auto body = json::parse(r.body);
      if (auto e = check_worker(body)) return *e;
      ++heartbeats;
      if (body["running"].empty()) ++idle_heartbeats;
      json cancel = to_cancel;
      to_cancel.clear();
      cv.notify_all();
      return ok({{"cancel", cancel}});
    });
    s.route("GET", "/worker/v1/tasks/([^/]+)/bundle", [this](const net::Request& r) {
      std::lock_guard lock(mu);
      auto a = attempt_of(r.matches[0], std::stoll(r.query.at("attempt")));
      if (auto* e = std::get_if<net::Response>(&a)) return *e;
      std::get<Attempt*>(a)->events.push_back("bundle");
      return net::Response{200, bundles[r.matches[0]], "application/zstd"};
    });
    s.route("GET", "/worker/v1/tasks/([^/]+)/datasets/([0-9a-f]{32})", [this](const net::Request& r) {
      std::unique_lock lock(mu);
      ++dataset_gets;
      auto a = attempt_of(r.matches[0], std::stoll(r.query.at("attempt")));
      if (auto* e = std::get_if<net::Response>(&a)) return *e;
      std::get<Attempt*>(a)->events.push_back("dataset");
      auto it = datasets.find(r.matches[1]);
      if (it == datasets.end()) return net::json_error(410, "dataset_missing", "the remote's copy of the dataset is gone");
      std::string bytes = it->second;
      lock.unlock();
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      return net::Response{200, bytes, "application/zstd"};
    });
    s.route("POST", "/worker/v1/tasks/([^/]+)/started", [this](const net::Request& r) {
      std::lock_guard lock(mu);
      auto body = json::parse(r.body);
      auto a = attempt_of(r.matches[0], body.at("attempt").get<std::int64_t>());
      if (auto* e = std::get_if<net::Response>(&a)) return *e;
      Attempt* at = std::get<Attempt*>(a);
      at->started = true;
      at->limits = body.value("limits", "");
      at->events.push_back("started");
      cv.notify_all();
      return ok(json::object());
    });
    s.route("POST", "/worker/v1/tasks/([^/]+)/logs", [this](const net::Request& r) {
      std::lock_guard lock(mu);
      auto body = json::parse(r.body);
      auto a = attempt_of(r.matches[0], body.at("attempt").get<std::int64_t>());
      if (auto* e = std::get_if<net::Response>(&a)) return *e;
      Attempt* at = std::get<Attempt*>(a);
      auto offset = body.at("offset").get<std::uint64_t>();
      std::string data = body.at("data").get<std::string>();
      std::string tag = std::to_string(offset) + ":" + data;
      if (!failed_log.empty() && retried_log.empty()) retried_log = tag;
      if (fail_log_posts > 0) {
        --fail_log_posts;
        failed_log = tag;
        return net::json_error(500, "internal", "try again");
      }
      if (offset > at->log.size()) at->gaps.push_back(std::to_string(offset));
      else if (offset < at->log.size()) ++at->repeats;
      else {
        at->log += data;
        ++at->log_posts;
      }
      cv.notify_all();
      return ok(json::object());
    });
    s.route("PUT", "/worker/v1/tasks/([^/]+)/results", [this](const net::Request& r) {
      std::lock_guard lock(mu);
      auto a = attempt_of(r.matches[0], std::stoll(r.query.at("attempt")));
      if (auto* e = std::get_if<net::Response>(&a)) return *e;
      std::get<Attempt*>(a)->results = r.body;
      std::get<Attempt*>(a)->events.push_back("results");
      return ok(json::object());
    });
    s.route("POST", "/worker/v1/tasks/([^/]+)/finished", [this](const net::Request& r) {
      std::lock_guard lock(mu);
      auto body = json::parse(r.body);
      auto a = attempt_of(r.matches[0], body.at("attempt").get<std::int64_t>());
      if (auto* e = std::get_if<net::Response>(&a)) return *e;
      std::get<Attempt*>(a)->finished = body;
      std::get<Attempt*>(a)->events.push_back("finished");
      cv.notify_all();
      return ok(json::object());
    });
  }

  std::unique_ptr<net::Server> server_;
  int port_ = 0;
};

}  // namespace lab::worker::test
