#include <lab/net/server.hpp>

#include <httplib.h>
#include <nlohmann/json.hpp>
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <algorithm>
#include <regex>
#include <thread>

namespace lab::net {

Response json_error(int status, std::string_view code, std::string_view message) {
  nlohmann::json j = {{"error", {{"code", code}, {"message", message}}}};
  return Response{status, j.dump(), "application/json"};
}

bool token_matches(std::string_view presented, std::string_view expected) {
  // Compare fixed-size digests so neither the content nor the length leaks through timing.
  unsigned char a[SHA256_DIGEST_LENGTH], b[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(presented.data()), presented.size(), a);
  SHA256(reinterpret_cast<const unsigned char*>(expected.data()), expected.size(), b);
  return CRYPTO_memcmp(a, b, sizeof a) == 0;
}

// A route whose body is streamed to its handler, with its own size limit.
struct UploadRoute {
  std::string method;
  std::regex pattern;
  std::uint64_t max_body_bytes = 0;
};

struct Server::Impl {
  ServerOptions options;
  std::vector<UploadRoute> uploads;  // written only before start()
  std::unique_ptr<httplib::Server> http;
  std::thread thread;
  int port = 0;
  bool started = false;
};

namespace {

void write(httplib::Response& out, const Response& r) {
  out.status = r.status;
  if (!r.stream) {
    out.set_content(r.body, r.content_type.c_str());
    return;
  }
  auto stream = r.stream;
  out.set_chunked_content_provider(r.content_type, [stream](std::size_t, httplib::DataSink& sink) {
    auto written = stream([&sink](std::span<const std::byte> bytes) -> Result<void> {
      if (bytes.empty()) return {};
      if (!sink.is_writable() || !sink.write(reinterpret_cast<const char*>(bytes.data()), bytes.size()))
        return fail(Errc::unavailable, "the client stopped reading the response");
      return {};
    });
    if (!written) return false;  // cut the connection: no final chunk
    sink.done();
    return true;
  });
}

// The most of an unread upload body the server reads and drops to keep a connection open.
constexpr std::uint64_t kDrainLimit = 8u << 20;

// The upload route matching `req`, or nullptr.
const UploadRoute* upload_route(const std::vector<UploadRoute>& uploads, const httplib::Request& req) {
  for (const auto& u : uploads)
    if (u.method == req.method && std::regex_match(req.path, u.pattern)) return &u;
  return nullptr;
}

// Refuses a request before its body is read: wrong or missing token, a body larger than
// the limit, or a body without a declared length.
httplib::Server::HandlerResponse screen(const Server::Impl& impl, const httplib::Request& req,
                                        httplib::Response& res) {
  const ServerOptions& o = impl.options;
  const UploadRoute* upload = upload_route(impl.uploads, req);
  const std::uint64_t limit = upload ? upload->max_body_bytes : o.max_body_bytes;
  auto refuse = [&](const Response& r, bool close) {
    write(res, r);
    if (close) {
      // The unread body is still on the wire: ask the peer to hang up rather than keep sending.
      const_cast<httplib::Request&>(req).set_header("Connection", "close");
    }
    return httplib::Server::HandlerResponse::Handled;
  };
  if (!o.token.empty()) {
    std::string auth = req.get_header_value("Authorization");
    constexpr std::string_view kBearer = "Bearer ";
    bool ok = auth.size() > kBearer.size() && std::string_view(auth).substr(0, kBearer.size()) == kBearer &&
              token_matches(std::string_view(auth).substr(kBearer.size()), o.token);
    if (!ok) {
      res.set_header("WWW-Authenticate", "Bearer");
      return refuse(json_error(401, "unauthenticated",
                               auth.empty() ? "this server needs a bearer token (Authorization: Bearer ...)"
                                            : "the bearer token is wrong; check the token in both roles' config"),
                    req.has_header("Content-Length"));
    }
  }
  if (req.has_header("Transfer-Encoding") && !upload)
    return refuse(json_error(411, "length_required", "send the body with a Content-Length, not chunked"), true);
  if (req.has_header("Content-Length")) {
    auto len = req.get_header_value<uint64_t>("Content-Length");
    if (len > limit)
      return refuse(json_error(413, "payload_too_large",
                               "the body is " + std::to_string(len) + " bytes; this server accepts at most " +
                                   std::to_string(limit)),
                    true);
  }
  return httplib::Server::HandlerResponse::Unhandled;
}

}  // namespace

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() { stop(); }

Result<std::unique_ptr<Server>> Server::create(ServerOptions options) {
  auto impl = std::make_unique<Impl>();
  if (options.tls_cert.empty() != options.tls_key.empty())
    return fail(Errc::invalid_argument, "TLS needs both a certificate and a key; only one is configured");
  if (!options.tls_cert.empty()) {
    auto ssl = std::make_unique<httplib::SSLServer>(options.tls_cert.c_str(), options.tls_key.c_str());
    if (!ssl->is_valid())
      return fail(Errc::io, "cannot load the TLS certificate " + options.tls_cert + " or key " + options.tls_key +
                                " (they must be PEM files that belong together)");
    impl->http = std::move(ssl);
  } else {
    impl->http = std::make_unique<httplib::Server>();
  }
  auto& s = *impl->http;
  const int threads = std::max(4, options.threads);
  s.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<std::size_t>(threads)); };
  s.set_read_timeout(kServerReadTimeout.count(), 0);
  s.set_write_timeout(kServerWriteTimeout.count(), 0);
  s.set_keep_alive_timeout(kServerKeepAlive.count());
  s.set_keep_alive_max_count(100000);
  s.set_tcp_nodelay(true);
  // SO_REUSEADDR only: the library's default also sets SO_REUSEPORT, which would let a second
  // server share the port silently instead of failing to bind.
  s.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  s.set_payload_max_length(options.max_body_bytes);  // a backstop; `screen` answers first
  impl->options = std::move(options);
  const Impl* self = impl.get();
  s.set_pre_routing_handler(
      [self](const httplib::Request& req, httplib::Response& res) { return screen(*self, req, res); });
  s.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
    std::string what = "unknown error";
    try {
      std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    write(res, json_error(500, "internal", "the server failed: " + what));
  });
  s.set_error_handler(httplib::Server::HandlerWithResponse([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;  // our own error body
    if (res.status == 404) {
      write(res, json_error(404, "not_found", "no such endpoint: " + req.method + " " + req.path));
    } else if (res.status == 413) {
      write(res, json_error(413, "payload_too_large", "the body is larger than this server accepts"));
    } else {
      write(res, json_error(res.status, "bad_request", "the request could not be read"));
    }
    return httplib::Server::HandlerResponse::Handled;
  }));
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

void Server::route(std::string_view method, std::string pattern, Handler handler) {
  auto wrapped = [h = std::move(handler)](const httplib::Request& req, httplib::Response& res) {
    Request r;
    r.method = req.method;
    r.path = req.path;
    for (std::size_t i = 1; i < req.matches.size(); ++i) r.matches.push_back(req.matches[i].str());
    for (const auto& [k, v] : req.params) r.query.emplace(k, v);
    r.body = req.body;
    write(res, h(r));
  };
  auto& s = *impl_->http;
  if (method == "GET") s.Get(pattern, wrapped);
  else if (method == "POST") s.Post(pattern, wrapped);
  else if (method == "PUT") s.Put(pattern, wrapped);
  else if (method == "DELETE") s.Delete(pattern, wrapped);
}

void Server::route_upload(std::string_view method, std::string pattern, std::uint64_t max_body_bytes,
                          UploadHandler handler) {
  impl_->uploads.push_back(UploadRoute{std::string(method), std::regex(pattern), max_body_bytes});
  auto& s = *impl_->http;
  // httplib's own backstop must let the largest upload through; `screen` applies each limit.
  s.set_payload_max_length(
      static_cast<std::size_t>(std::max<std::uint64_t>(impl_->options.max_body_bytes, max_body_bytes)));
  auto wrapped = [h = std::move(handler), max_body_bytes](const httplib::Request& req, httplib::Response& res,
                                                          const httplib::ContentReader& reader) {
    Request r;
    r.method = req.method;
    r.path = req.path;
    for (std::size_t i = 1; i < req.matches.size(); ++i) r.matches.push_back(req.matches[i].str());
    for (const auto& [k, v] : req.params) r.query.emplace(k, v);
    bool used = false, finished = false;
    BodyReader read_body = [&](const ChunkFn& on_chunk) -> Result<void> {
      if (used) return fail(Errc::internal, "the request body was already read");
      used = true;
      std::uint64_t total = 0;
      Result<void> failure;
      bool ok = reader([&](const char* data, std::size_t n) {
        total += n;
        if (total > max_body_bytes) {
          failure = fail(Errc::io, "the body is larger than the " + std::to_string(max_body_bytes) +
                                       " bytes this server accepts here");
          return false;
        }
        failure = on_chunk(std::string_view(data, n));
        return failure.has_value();
      });
      if (!failure) return failure;
      if (!ok) return fail(Errc::invalid_argument, "the request body ended early (the client stopped sending)");
      finished = true;
      return {};
    };
    write(res, h(r, read_body));
    // A body the handler left unread is still on the wire: a small one is read and dropped so
    // the connection stays usable; after a large or half-read one the server hangs up.
    if (!used) {
      std::uint64_t drained = 0;
      finished = reader([&](const char*, std::size_t n) { return (drained += n) <= kDrainLimit; });
    }
    if (!finished) const_cast<httplib::Request&>(req).set_header("Connection", "close");
  };
  if (method == "POST") s.Post(pattern, wrapped);
  else s.Put(pattern, wrapped);
}

Result<int> Server::start() {
  if (impl_->started) return impl_->port;
  auto& s = *impl_->http;
  const auto& o = impl_->options;
  int port = o.port;
  if (port == 0) {
    port = s.bind_to_any_port(o.host);
    if (port < 0) return fail(Errc::unavailable, "cannot listen on " + o.host + " (no free port, or a bad address)");
  } else if (!s.bind_to_port(o.host, port)) {
    return fail(Errc::unavailable, "cannot listen on " + o.host + ":" + std::to_string(port) +
                                       " (the port is in use, or the address is not on this machine)");
  }
  impl_->port = port;
  impl_->started = true;
  impl_->thread = std::thread([&s] { s.listen_after_bind(); });
  // httplib's stop() is a no-op until the loop runs; wait so a quick stop() is not lost.
  while (!s.is_running()) std::this_thread::sleep_for(std::chrono::microseconds(200));
  return port;
}

void Server::stop() {
  if (!impl_ || !impl_->started) return;
  impl_->http->stop();
  if (impl_->thread.joinable()) impl_->thread.join();
  impl_->started = false;
}

int Server::port() const { return impl_->port; }
bool Server::tls() const { return !impl_->options.tls_cert.empty(); }
std::string Server::url() const {
  return std::string(tls() ? "https://" : "http://") + impl_->options.host + ":" + std::to_string(impl_->port);
}

}  // namespace lab::net
