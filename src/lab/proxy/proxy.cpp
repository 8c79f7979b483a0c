// `proxy::start`: opens everything the proxy needs, in order, and serves until `stop`.
#include "consumer.hpp"
#include "context.hpp"
#include "http.hpp"
#include "routes.hpp"
#include "schema.hpp"

#include <lab/proxy/proxy.hpp>
#include <lab/storage/from_config.hpp>
#include <lab/transport/from_config.hpp>
#include <lab/transport/transport.hpp>

#include <netinet/in.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace lab::proxy {
namespace {

// How long the server waits for a slow client to send or take bytes.
constexpr int kReadTimeoutSeconds = 30;
constexpr int kWriteTimeoutSeconds = 30;
constexpr int kKeepAliveSeconds = 5;
// Connections the kernel queues before the server accepts them.
constexpr int kListenBacklog = 1024;

transport::Options transport_options(const Context& ctx) {
  auto o = transport::options_from_config(ctx.config.transport, ctx.config.storage, ctx.config.database.path,
                                          "is `lab remote` running, and is [transport] url in proxy.toml right?");
  o.log = [&ctx](std::string_view l) { ctx.log(l); };
  return o;
}

// Refuses, before reading it, a body declared larger than the route allows. A request with
// neither Content-Length nor chunked encoding has no body (RFC 9112); the library would
// instead read until the connection closes, so it is told the length is 0.
httplib::Server::HandlerResponse screen(const httplib::Request& req, httplib::Response& res) {
  if (!req.has_header("Content-Length") && !req.has_header("Transfer-Encoding")) {
    const_cast<httplib::Request&>(req).set_header("Content-Length", "0");  // the library's own object, not const
    return httplib::Server::HandlerResponse::Unhandled;
  }
  if (req.path == "/api/v1/blobs" || !req.has_header("Content-Length")) return httplib::Server::HandlerResponse::Unhandled;
  if (req.get_header_value<std::uint64_t>("Content-Length") <= kMaxJsonBodyBytes)
    return httplib::Server::HandlerResponse::Unhandled;
  send_error(res, 413, "too_large",
             "the request body is larger than " + std::to_string(kMaxJsonBodyBytes >> 20) + " MiB");
  res.set_header("Connection", "close");
  return httplib::Server::HandlerResponse::Handled;
}

void configure(httplib::Server& s) {
  s.new_task_queue = [] { return new httplib::ThreadPool(kHttpThreads); };
  s.set_read_timeout(kReadTimeoutSeconds, 0);
  s.set_write_timeout(kWriteTimeoutSeconds, 0);
  s.set_keep_alive_timeout(kKeepAliveSeconds);
  s.set_tcp_nodelay(true);
  s.set_payload_max_length(kMaxBlobRequestBytes);
  s.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  s.set_pre_routing_handler(screen);
  s.set_post_routing_handler(add_security_headers);
  s.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
    std::string what = "unknown error";
    try {
      std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    send_error(res, 500, "internal", "the proxy failed: " + what);
  });
  s.set_error_handler(httplib::Server::HandlerWithResponse([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    if (res.status == 404) send_error(res, 404, "not_found", "no such endpoint: " + req.method + " " + req.path);
    else if (res.status == 413) send_error(res, 413, "too_large", "the request body is too large");
    else send_error(res, res.status, "invalid_argument", "the request could not be read");
    return httplib::Server::HandlerResponse::Handled;
  }));
}

// cpp-httplib 0.11 listens with a backlog of 5 (CPPHTTPLIB_LISTEN_BACKLOG); a burst of
// connections, such as every student's `lab logs -f` reconnecting after a restart, would
// overflow it and stall clients for seconds. Raises the backlog of the listening socket
// bound to `port` (found among this process's descriptors; listen() again only resizes the
// queue). Best effort: without it the proxy still works.
void widen_backlog(int port) {
  for (int fd = 0; fd < 65536 && fd < static_cast<int>(sysconf(_SC_OPEN_MAX)); ++fd) {
    int listening = 0;
    socklen_t len = sizeof listening;
    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 || !listening) continue;
    sockaddr_storage addr{};
    socklen_t alen = sizeof addr;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &alen) != 0) continue;
    int bound = -1;
    if (addr.ss_family == AF_INET) bound = ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
    if (addr.ss_family == AF_INET6) bound = ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port);
    if (bound == port) ::listen(fd, kListenBacklog);
  }
}

class RunningProxy final : public Proxy {
 public:
  ~RunningProxy() override { stop(); }

  std::string url() const override { return url_; }
  std::string transport_url() const override { return ctx_->transport ? ctx_->transport->listen_url() : ""; }

  void stop() override {
    if (stopped_) return;
    stopped_ = true;
    ctx_->logs.stop();
    if (http_) http_->stop();
    if (thread_.joinable()) thread_.join();
    consumer_.reset();
    ctx_->transport.reset();
  }

  Result<void> open(const Options& options);

 private:
  std::unique_ptr<Context> ctx_ = std::make_unique<Context>();
  std::unique_ptr<httplib::Server> http_;
  std::unique_ptr<Consumer> consumer_;
  std::thread thread_;
  std::string url_;
  bool stopped_ = false;
};

Result<void> RunningProxy::open(const Options& options) {
  Context& ctx = *ctx_;
  ctx.config = options.config;
  ctx.log_fn = options.log;
  const auto& c = ctx.config;
  if (c.database.path.empty()) return fail(Errc::invalid_argument, "proxy.toml needs [database] path");
  auto db = open_proxy_db(c.database.path);
  if (!db) return std::unexpected(db.error());
  ctx.db = std::make_unique<DbPool>(c.database.path);
  ctx.sign_ins = std::make_unique<SignInGuard>(c.auth.max_failed_sign_ins, c.auth.sign_in_lockout_seconds * 1000LL);

  auto store = storage::open_storage(c.storage, "proxy.toml");
  if (!store) return fail_with_context(store.error(), "opening the proxy's storage");
  ctx.storage = std::move(*store);
  ctx.log("storage: " + storage::describe(storage::options_from_config(c.storage)));

  std::filesystem::path cache = c.cache.dir.empty() ? std::filesystem::path(c.database.path).parent_path() / "cache"
                                                    : std::filesystem::path(c.cache.dir);
  ctx.tmp_dir = cache / "tmp";
  std::error_code ec;
  std::filesystem::remove_all(ctx.tmp_dir, ec);  // staging files of requests cut short by a crash
  std::filesystem::create_directories(ctx.tmp_dir, ec);
  if (ec) return fail(Errc::io, "cannot create the proxy's cache folder " + ctx.tmp_dir.string() + ": " + ec.message());

  auto tr = transport::make_transport(transport_options(ctx));
  if (!tr) return fail_with_context(tr.error(), "starting the proxy's transport");
  ctx.transport = std::move(*tr);

  const auto& srv = c.server;
  if (srv.tls_cert && srv.tls_key) {
    auto ssl = std::make_unique<httplib::SSLServer>(srv.tls_cert->c_str(), srv.tls_key->c_str());
    if (!ssl->is_valid())
      return fail(Errc::io, "cannot load the TLS certificate " + *srv.tls_cert + " or key " + *srv.tls_key);
    http_ = std::move(ssl);
  } else {
    http_ = std::make_unique<httplib::Server>();
  }
  configure(*http_);
  add_health_routes(*http_, ctx);
  add_auth_routes(*http_, ctx);
  add_upload_routes(*http_, ctx);
  add_dataset_routes(*http_, ctx);
  add_task_routes(*http_, ctx);
  add_log_routes(*http_, ctx);
  add_result_routes(*http_, ctx);
  add_usage_routes(*http_, ctx);
  add_web_routes(*http_, ctx);
  int port = srv.port;
  if (port == 0) {
    port = http_->bind_to_any_port(srv.host);
    if (port < 0) return fail(Errc::unavailable, "cannot listen on " + srv.host + " (no free port, or a bad address)");
  } else if (!http_->bind_to_port(srv.host, port)) {
    return fail(Errc::unavailable, "cannot listen on " + srv.host + ":" + std::to_string(port) +
                                       " (the port is in use, or the address is not on this machine)");
  }
  widen_backlog(port);
  const std::string host = srv.host == "0.0.0.0" || srv.host.empty() ? "127.0.0.1" : srv.host;
  url_ = std::string(srv.tls_cert ? "https://" : "http://") + host + ":" + std::to_string(port);
  httplib::Server* server = http_.get();
  thread_ = std::thread([server] { server->listen_after_bind(); });
  while (!server->is_running()) std::this_thread::sleep_for(std::chrono::microseconds(200));
  consumer_ = std::make_unique<Consumer>(ctx, std::move(*db));
  ctx.log("serving the API and web pages at " + url_ + (c.transport.listen ? "; mailbox at " + ctx.transport->listen_url() : ""));
  return {};
}

}  // namespace

Result<std::unique_ptr<Proxy>> start(const Options& options) {
  auto p = std::make_unique<RunningProxy>();
  if (auto r = p->open(options); !r) {
    p->stop();
    return std::unexpected(r.error());
  }
  return std::unique_ptr<Proxy>(std::move(p));
}

}  // namespace lab::proxy
