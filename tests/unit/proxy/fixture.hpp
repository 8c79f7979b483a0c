// Shared by the proxy tests: a proxy started in-process on a free port with a temp folder,
// and a real transport listener playing the remote (so tests see the messages the proxy
// sends and can send it status updates, log chunks and completions).
#pragma once

#include "unit/transport/helpers.hpp"

#include <lab/proto/messages.hpp>
#include <lab/proxy/proxy.hpp>
#include <lab/sys/clock.hpp>
#include <lab/transport/transport.hpp>

#include <doctest/doctest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <thread>

namespace lab::proxy::testing {

using nlohmann::json;
using namespace std::chrono_literals;

// Waits up to `limit` for `done` to hold, checking every 20 ms.
inline bool eventually(const std::function<bool()>& done, std::chrono::milliseconds limit = 10s) {
  auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return done();
}

struct Fixture {
  std::filesystem::path dir;
  transport::testing::LogSink log;
  std::unique_ptr<transport::Transport> remote;
  config::ProxyConfig cfg;
  std::unique_ptr<Proxy> proxy;
  std::unique_ptr<httplib::Client> http;

  explicit Fixture(const std::string& name, const std::function<void(config::ProxyConfig&)>& tweak = {})
      : dir(transport::testing::fresh_dir("proxy-" + name)) {
    auto r = transport::make_transport(transport::testing::listener_options(dir / "remote.db"));
    REQUIRE_MESSAGE(r, r.error().message);
    remote = std::move(*r);
    cfg.server.host = "127.0.0.1";
    cfg.server.port = 0;
    cfg.auth.open_registration = true;
    cfg.transport.listen = false;
    cfg.transport.url = remote->listen_url();
    cfg.transport.token = transport::testing::kToken;
    cfg.storage.root = (dir / "storage").string();
    cfg.database.path = (dir / "proxy.db").string();
    cfg.cache.dir = (dir / "cache").string();
    if (tweak) tweak(cfg);
    start();
  }
  ~Fixture() { stop(); }

  void start() {
    Options o;
    o.config = cfg;
    o.log = log.fn();
    auto p = proxy::start(o);
    REQUIRE_MESSAGE(p, p.error().message);
    proxy = std::move(*p);
    http = std::make_unique<httplib::Client>(proxy->url());
    http->set_read_timeout(90, 0);
  }
  void stop() {
    http.reset();
    if (proxy) proxy->stop();
    proxy.reset();
  }

  static httplib::Headers bearer(const std::string& token) {
    return token.empty() ? httplib::Headers{} : httplib::Headers{{"Authorization", "Bearer " + token}};
  }
  httplib::Result post(const std::string& path, const json& body, const std::string& token = "") {
    return http->Post(path.c_str(), bearer(token), body.dump(), "application/json");
  }
  httplib::Result get(const std::string& path, const std::string& token = "") {
    return http->Get(path.c_str(), bearer(token));
  }
  static json body_of(const httplib::Result& r) {
    REQUIRE(r);
    return json::parse(r->body, nullptr, false);
  }
  static std::string error_code(const httplib::Result& r) {
    auto j = body_of(r);
    return j.contains("error") ? j["error"].value("code", "") : "";
  }

  // Registers `name` (open registration) and returns its token.
  std::string sign_up(const std::string& name, const std::string& password = "correct horse") {
    auto r = post("/api/v1/auth/register", {{"name", name}, {"password", password}});
    REQUIRE(r);
    REQUIRE_MESSAGE(r->status == 201, r->body);
    return body_of(r)["token"].get<std::string>();
  }

  // The next message the proxy sent to the remote (acked), or nullopt within `limit`.
  std::optional<proto::Envelope> next_to_remote(std::chrono::milliseconds limit = 10s) {
    auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until) {
      auto r = remote->receive(transport::kToRemote, 500ms);
      REQUIRE_MESSAGE(r, r.error().message);
      if (*r) {
        REQUIRE(remote->ack(transport::kToRemote, (*r)->id));
        return **r;
      }
    }
    return std::nullopt;
  }

  // Sends a remote -> proxy message given by its wire form (docs/messages.md).
  void send_raw(const std::string& type, const json& body) {
    auto r = remote->send(transport::kToLocal, proto::make_envelope(type, body, sys::real_clock().now_ms()));
    REQUIRE_MESSAGE(r, r.error().message);
  }

  // Sends a remote -> proxy message.
  void send_local(const proto::Message& m) {
    auto r = remote->send(transport::kToLocal, proto::encode(m, sys::real_clock().now_ms()));
    REQUIRE_MESSAGE(r, r.error().message);
  }
};

// A POSIX tar (ustar) stream holding `entries` as regular files named by their first field.
inline std::string tar_of(const std::vector<std::pair<std::string, std::string>>& entries) {
  std::string out;
  for (const auto& [name, content] : entries) {
    std::string h(512, '\0');
    std::copy(name.begin(), name.end(), h.begin());
    std::snprintf(h.data() + 100, 8, "%07o", 0644);
    std::snprintf(h.data() + 108, 8, "%07o", 0);
    std::snprintf(h.data() + 116, 8, "%07o", 0);
    std::snprintf(h.data() + 124, 12, "%011llo", static_cast<unsigned long long>(content.size()));
    std::snprintf(h.data() + 136, 12, "%011o", 0);
    h[156] = '0';
    std::copy_n("ustar", 6, h.begin() + 257);
    h[263] = '0';
    h[264] = '0';
    std::fill(h.begin() + 148, h.begin() + 156, ' ');
    unsigned sum = 0;
    for (unsigned char c : h) sum += c;
    std::snprintf(h.data() + 148, 8, "%06o", sum);
    out += h;
    out += content;
    out.append((512 - content.size() % 512) % 512, '\0');
  }
  out.append(1024, '\0');
  return out;
}

}  // namespace lab::proxy::testing
