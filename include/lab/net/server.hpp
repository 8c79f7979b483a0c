// A small HTTP(S) server for lab's roles: routes to handlers, bearer-token check, a body-size
// limit enforced before the body is read, and JSON error bodies {"error":{"code","message"}}.
// The HTTP library stays inside src/lab/net/server.cpp.
#pragma once

#include <lab/result.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <cstdint>
#include <map>
#include <memory>
#include <regex>
#include <span>
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

// Receives the next piece of a streamed response body. An error stops the stream.
using BodyWriter = std::function<Result<void>(std::span<const std::byte>)>;

struct Response {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  // When set, the body is produced by calling `stream` once, on the server thread, after the
  // handler returned; it goes out with chunked transfer encoding and `body` is ignored. If
  // `stream` (or the peer) fails midway, the connection is cut, so the client sees a body
  // without its final chunk, never a complete-looking one.
  std::function<Result<void>(const BodyWriter&)> stream = nullptr;
};

// Receives the next piece of an uploaded request body, in order.
using ChunkFn = std::function<Result<void>(std::string_view chunk)>;
// Reads the whole request body of an upload route, passing it to `on_chunk` piece by piece.
// Fails (Errc::invalid_argument) if the peer stops sending, or (Errc::io) if the body
// exceeds the route's limit; an error from `on_chunk` is returned as is.
using BodyReader = std::function<Result<void>(const ChunkFn& on_chunk)>;

// A response with body {"error":{"code":code,"message":message}}.
Response json_error(int status, std::string_view code, std::string_view message);

// A request handler. Called on a server worker thread, possibly many at once; must be
// thread-safe. An exception escaping it becomes a 500 JSON error.
using Handler = std::function<Response(const Request&)>;

// A handler for a streamed upload: `request.body` is empty; the handler pulls the body
// through `read_body` (at most once). Same threading rules as `Handler`.
using UploadHandler = std::function<Response(const Request& request, const BodyReader& read_body)>;

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

  // Adds a route whose body is streamed to the handler instead of held in memory, for
  // bodies up to `max_body_bytes` (which may exceed ServerOptions::max_body_bytes).
  // Chunked bodies are accepted on these routes; the limit is then enforced while reading.
  // `method` is "POST" or "PUT".
  void route_upload(std::string_view method, std::string pattern, std::uint64_t max_body_bytes,
                    UploadHandler handler);

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
