// Shared set-up for transport tests: temp db files and listener/connector pairs on loopback.
#pragma once

#include <lab/proto/messages.hpp>
#include <lab/transport/transport.hpp>

#include <atomic>
#include <filesystem>
#include <string>
#include <unistd.h>

namespace lab::transport::testing {

inline constexpr const char* kToken = "s3cret-token";

// A fresh empty directory for one test.
inline std::filesystem::path fresh_dir(const std::string& name) {
  static std::atomic<int> counter{0};
  auto dir = std::filesystem::temp_directory_path() /
             ("lab-transport-test-" + std::to_string(getpid()) + "-" + std::to_string(counter++) + "-" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

// Collects log lines instead of printing them.
struct LogSink {
  std::mutex mu;
  std::vector<std::string> lines;
  std::function<void(std::string_view)> fn() {
    return [this](std::string_view l) {
      std::lock_guard lock(mu);
      lines.emplace_back(l);
    };
  }
};

inline Options listener_options(const std::filesystem::path& db, int port = 0) {
  Options o;
  o.listen = true;
  o.listen_port = port;
  o.token = kToken;
  o.db_path = db;
  o.log = [](std::string_view) {};
  return o;
}

inline Options connector_options(const std::filesystem::path& db, const std::string& url) {
  Options o;
  o.url = url;
  o.token = kToken;
  o.db_path = db;
  o.log = [](std::string_view) {};
  return o;
}

// A numbered message for order checks: a log chunk whose offset is `n`.
inline proto::Envelope numbered(std::int64_t n) {
  return proto::encode(proto::LogChunk{"t", n, "x", "stdout"}, 1);
}
inline std::int64_t number_of(const proto::Envelope& e) { return e.body.at("offset").get<std::int64_t>(); }

}  // namespace lab::transport::testing
