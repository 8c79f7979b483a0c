// A small HTTP(S) client for talking to another lab role: base URL, bearer token, named
// timeouts, certificate checks against a configured CA or the system store, and failures
// explained in plain words. The HTTP library stays inside src/lab/net/client.cpp.
#pragma once

#include <lab/result.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace lab::net {

inline constexpr std::chrono::milliseconds kConnectTimeout{3000};
inline constexpr std::chrono::milliseconds kReadTimeout{30000};
inline constexpr std::chrono::milliseconds kWriteTimeout{10000};

struct ClientOptions {
  std::string url;       // "http://host:port" or "https://host:port"
  std::string token;     // sent as "Authorization: Bearer <token>" when non-empty
  std::string ca_file;   // https: trust this PEM bundle ...
  std::string ca_dir;    // ... and/or this hashed directory; neither = the system store
  std::chrono::milliseconds connect_timeout = kConnectTimeout;
  std::chrono::milliseconds read_timeout = kReadTimeout;
  std::chrono::milliseconds write_timeout = kWriteTimeout;
  std::string peer_hint;  // appended to "cannot reach" errors, e.g. "is `lab remote` running?"
};

// How much of a non-2xx body `download` keeps for the error report.
inline constexpr std::size_t kMaxErrorBody = 64 * 1024;

struct HttpResponse {
  int status = 0;
  std::string body;
};

// One keep-alive connection to one server. NOT thread-safe: give each thread its own.
class Client {
 public:
  // Fails with Errc::invalid_argument for a URL that is not http(s)://host[:port].
  static Result<std::unique_ptr<Client>> create(ClientOptions options);
  ~Client();

  // Sends a request; any HTTP status is a success here (check `status`). Transport failures
  // come back as Errc::unavailable (cannot connect, certificate rejected) or Errc::timeout,
  // with a message naming the URL. `read_timeout` overrides the default for this call.
  Result<HttpResponse> get(std::string_view path, std::optional<std::chrono::milliseconds> read_timeout = {});
  Result<HttpResponse> post(std::string_view path, std::string_view json_body,
                            std::optional<std::chrono::milliseconds> read_timeout = {});

  // GET whose 2xx body is written to `file` (created or truncated) as it arrives, never held
  // in memory. Any other status leaves `file` untouched and returns its body (at most
  // kMaxErrorBody bytes) in `body`. Fails with Errc::io naming the file if it cannot be
  // written; a partial file is removed.
  Result<HttpResponse> download(std::string_view path, const std::filesystem::path& file,
                                std::optional<std::chrono::milliseconds> read_timeout = {});

  // PUT with the contents of `file` as the body, streamed from disk with a Content-Length
  // (servers here refuse chunked bodies). Fails with Errc::io if the file cannot be read.
  // `read_timeout` (the wait for the answer once the body is sent) overrides the default.
  Result<HttpResponse> put_file(std::string_view path, const std::filesystem::path& file,
                                std::string_view content_type = "application/octet-stream",
                                std::optional<std::chrono::milliseconds> read_timeout = {});

  // Makes a request blocked in another thread (a long-poll) fail at once, and every later
  // request fail without being sent; both answer Errc::unavailable ("interrupted").
  // Returns once no request is under way (or after ~3 s if one is stuck connecting).
  // Thread-safe: the one method another thread may call while a request is in flight.
  void interrupt();
  bool interrupted() const;

  const std::string& url() const;

  struct Impl;

 private:
  explicit Client(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The "message" of a JSON error body {"error":{"code","message"}}, else the body itself
// (trimmed to a line), for error reports.
std::string error_text(const HttpResponse& response);

// The URL with any user:password part replaced by "***", for logs.
std::string redact_url(std::string_view url);

}  // namespace lab::net
