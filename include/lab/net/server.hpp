// A small HTTP(S) server for lab's roles: routes to handlers, bearer-token check, a body-size
// limit enforced before the body is read, and JSON error bodies {"error":{"code","message"}}.
// The HTTP library stays inside src/lab/net/server.cpp.
#pragma once

#include <lab/result.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace lab::net {

// Largest request body accepted unless configured otherwise.
inline constexpr std::size_t kDefaultMaxBodyBytes = 8u << 20;
// Worker threads; each long-poll holds one while it waits, so leave room.
inline constexpr int kDefaultServerThreads = 32;
// How long the server waits for a slow peer to send or take bytes.
inline constexpr std::chrono::seconds kServerReadTimeout{10};
inline constexpr std::chrono::seconds kServerWriteTimeout{10};
// How long an idle keep-alive connection is held open. Stopping a server waits for idle
// connections to reach this (the HTTP library cannot interrupt them), so keep it short;
// clients reconnect transparently.
inline constexpr std::chrono::seconds kServerKeepAlive{2};

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 0;                 // 0 = pick a free port (see Server::port)
  std::string token;            // non-empty: every request needs "Authorization: Bearer <token>"
  std::string tls_cert;         // both set: serve HTTPS with this PEM certificate chain ...
  std::string tls_key;          // ... and PEM private key
  std::size_t max_body_bytes = kDefaultMaxBodyBytes;
  int threads = kDefaultServerThreads;
};

// What a handler sees. `matches[i]` is the i-th capture group of the route's pattern.
struct Request {
  std::string method;
  std::string path;
  std::vector<std::string> matches;
  std::map<std::string, std::string> query;
  std::string body;
};

struct Response {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
};

// A response with body {"error":{"code":code,"message":message}}.
Response json_error(int status, std::string_view code, std::string_view message);

// A request handler. Called on a server worker thread, possibly many at once; must be
// thread-safe. An exception escaping it becomes a 500 JSON error.
using Handler = std::function<Response(const Request&)>;

// Thread-safety: `route` only before `start`; `stop` and the destructor from any thread
// except a handler's.
class Server {
 public:
  // Fails (Errc::invalid_argument) if only one of tls_cert/tls_key is set, or (Errc::io)
  // if they cannot be loaded, naming the files.
  static Result<std::unique_ptr<Server>> create(ServerOptions options);
  ~Server();

  // Adds a route: `pattern` is a regular expression matched against the whole path.
  void route(std::string_view method, std::string pattern, Handler handler);

  // Binds host:port and serves on a background thread. Returns the bound port.
  // Fails with Errc::unavailable if the address cannot be bound ("port 8801 is in use").
  Result<int> start();
  // Stops accepting, waits for in-flight requests to end. Idempotent.
  void stop();

  int port() const;
  bool tls() const;
  // "http://127.0.0.1:8801" or "https://..." once started.
  std::string url() const;

  struct Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// True if `presented` equals `expected`, in time that does not depend on where they differ.
bool token_matches(std::string_view presented, std::string_view expected);

}  // namespace lab::net
