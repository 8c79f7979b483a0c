// An in-process stand-in for `lab proxy`, speaking just enough of docs/api.md for the client
// tests. Each test sets the fields it needs before calling start().
#pragma once

#include <lab/files/manifest.hpp>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace lab::testing {

// A port nobody listens on: bound for a moment (never listened on), then released.
inline int dead_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}


class FakeProxy {
 public:
  FakeProxy() = default;
  ~FakeProxy() { stop(); }

  // Routes added by the test (before start) win over the defaults below.
  httplib::Server server;

  // --- state, guarded by mu ---
  std::mutex mu;
  std::set<std::string> stored;                  // blob hashes the "storage" holds
  std::vector<std::string> uploaded;             // blob names received, in order
  std::vector<std::string> bad_blobs;            // received blobs whose content did not match
  int blob_requests = 0;
  nlohmann::json snapshot_manifest;              // the last manifest posted
  std::string log;                               // the task's whole log
  std::size_t log_piece = 1 << 20;               // at most this many bytes per log answer
  std::set<int> drop_log_requests;               // 1-based numbers of log requests to cut mid-body
  int log_requests = 0;
  std::map<std::string, std::string> results;    // result path -> content

  // Starts serving on 127.0.0.1 on a free port.
  void start() {
    add_defaults();
    port_ = server.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server.listen_after_bind(); });
  }
  // Serves on a socket the test already bound with server.bind_to_port().
  void start_bound(int port) {
    add_defaults();
    port_ = port;
    thread_ = std::thread([this] { server.listen_after_bind(); });
  }
  void stop() {
    if (thread_.joinable()) {
      server.stop();
      thread_.join();
    }
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // Parses an uncompressed tar stream into (name, content) pairs.
  static std::vector<std::pair<std::string, std::string>> untar(const std::string& body) {
    std::vector<std::pair<std::string, std::string>> out;
    std::size_t pos = 0;
    while (pos + 512 <= body.size()) {
      const char* h = body.data() + pos;
      if (h[0] == '\0') break;
      std::string name(h, strnlen(h, 100));
      std::uint64_t size = std::stoull(std::string(h + 124, strnlen(h + 124, 12)), nullptr, 8);
      out.emplace_back(name, body.substr(pos + 512, size));
      pos += 512 + (size + 511) / 512 * 512;
    }
    return out;
  }

 private:
  void add_defaults() {
    using nlohmann::json;
    server.Post("/api/v1/blobs/missing", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mu);
      json missing = json::array();
      const json body = json::parse(req.body);
      for (const auto& h : body.at("hashes"))
        if (!stored.contains(h.get<std::string>())) missing.push_back(h);
      res.set_content(json{{"missing", missing}}.dump(), "application/json");
    });
    server.Post("/api/v1/blobs", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mu);
      ++blob_requests;
      std::uint64_t bytes = 0;
      auto entries = untar(req.body);
      for (const auto& [name, content] : entries) {
        if (files::Hash128::of(content).hex() != name) bad_blobs.push_back(name);
        uploaded.push_back(name);
        stored.insert(name);
        bytes += content.size();
      }
      res.set_content(json{{"stored", entries.size()}, {"bytes", bytes}}.dump(), "application/json");
    });
    server.Post("/api/v1/snapshots", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mu);
      snapshot_manifest = json::parse(req.body).at("manifest");
      res.status = 201;
      res.set_content(json{{"snapshot", "s1"}, {"files", snapshot_manifest.at("entries").size()}, {"bytes", 0}}.dump(),
                      "application/json");
    });
    server.Get(R"(/api/v1/tasks/([^/]+)/logs)", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mu);
      const int n = ++log_requests;
      const std::size_t from = std::stoull(req.get_param_value("from"));
      std::string data = log.substr(std::min(from, log.size()), log_piece);
      const std::size_t next = from + data.size();
      res.set_header("X-Lab-Log-Offset", std::to_string(next));
      if (next == log.size()) res.set_header("X-Lab-Log-Complete", "1");
      if (drop_log_requests.contains(n) && data.size() > 1) {
        // Promise the whole piece, send half of it, then hang up.
        auto half = std::make_shared<std::string>(data.substr(0, data.size() / 2));
        res.set_content_provider(data.size(), "text/plain", [half](std::size_t, std::size_t, httplib::DataSink& sink) {
          sink.write(half->data(), half->size());
          return false;
        });
        return;
      }
      res.set_content(data, "text/plain");
    });
    server.Get(R"(/api/v1/tasks/([^/]+)/results)", [this](const httplib::Request&, httplib::Response& res) {
      std::lock_guard lock(mu);
      json files = json::array();
      for (const auto& [path, content] : results) files.push_back({{"path", path}, {"size", content.size()}, {"hash", ""}});
      res.set_content(json{{"files", files}, {"complete", true}}.dump(), "application/json");
    });
    server.Get(R"(/api/v1/tasks/([^/]+)/results/(.+))", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mu);
      auto it = results.find(req.matches[2].str());
      if (it == results.end()) {
        res.status = 404;
        res.set_content(R"({"error":{"code":"not_found","message":"no such result file"}})", "application/json");
        return;
      }
      res.set_content(it->second, "application/octet-stream");
    });
  }

  int port_ = 0;
  std::thread thread_;
};

}  // namespace lab::testing
