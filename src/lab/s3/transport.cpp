// Signing, sending and retrying one request. cpp-httplib stays inside this file.

#include "client_impl.hpp"

#include <lab/util/strings.hpp>

#include <httplib.h>

#include <algorithm>

namespace lab::s3 {
namespace {

bool is_transient(int status) { return status >= 500 || status == 429; }

std::string transport_message(httplib::Error e, const std::string& endpoint, const std::string& what) {
  const std::string at = "the storage at " + endpoint;
  switch (e) {
    case httplib::Error::Connection:
      return "cannot reach " + at + " while " + what +
             " (connection refused or no route): is it running? check endpoint in [storage] in remote.toml";
    case httplib::Error::ConnectionTimeout:
      return at + " did not accept a connection within " + std::to_string(kConnectTimeoutMs / 1000) +
             " s while " + what;
    case httplib::Error::Read:
    case httplib::Error::Write:
      return "the connection to " + at + " broke or stalled while " + what;
    case httplib::Error::SSLConnection:
      return "TLS handshake with " + at + " failed while " + what;
    case httplib::Error::SSLServerVerification:
    case httplib::Error::SSLLoadingCerts:
      return at + " presented a certificate that could not be verified: set ca_file in [storage] "
                  "(or SSL_CERT_FILE) to the CA that signed it";
    default:
      return "request to " + at + " failed while " + what + " (" + httplib::to_string(e) + ")";
  }
}

Errc transport_errc(httplib::Error e) {
  switch (e) {
    case httplib::Error::ConnectionTimeout:
    case httplib::Error::Read:
    case httplib::Error::Write:
      return Errc::timeout;
    default:
      return Errc::unavailable;
  }
}

}  // namespace

Client::Impl::Impl(S3Options o, Tuning t, sys::Clock* c)
    : opts(std::move(o)), tuning(t), clock(c), rng(std::random_device{}()) {
  ep = *parse_endpoint(opts.endpoint);  // validated by Client::create
  if (opts.addressing == Addressing::virtual_hosted) {
    ep.host = opts.bucket + "." + ep.host;
    bucket_path = ep.base_path;
  } else {
    bucket_path = ep.base_path + "/" + opts.bucket;
  }
  host = host_header(ep);
}

Client::Impl::~Impl() = default;

std::string Client::Impl::object_path(std::string_view key) const {
  return bucket_path + "/" + opts.prefix + std::string(key);
}

ErrorContext Client::Impl::context(std::string what) const {
  return {opts.endpoint, opts.bucket, opts.access_key, std::move(what)};
}

std::unique_ptr<httplib::Client> Client::Impl::take() {
  {
    std::lock_guard lock(pool_mu);
    if (!idle.empty()) {
      auto c = std::move(idle.back());
      idle.pop_back();
      return c;
    }
  }
  auto c = std::make_unique<httplib::Client>((ep.tls ? "https://" : "http://") + ep.host + ":" +
                                             std::to_string(ep.port));
  c->set_url_encode(false);  // the path is encoded here, exactly as signed
  c->set_decompress(false);  // bytes must arrive as stored (ranges count stored bytes)
  c->set_keep_alive(true);
  c->set_connection_timeout(tuning.connect_timeout_ms / 1000, (tuning.connect_timeout_ms % 1000) * 1000);
  c->set_read_timeout(tuning.io_timeout_ms / 1000, (tuning.io_timeout_ms % 1000) * 1000);
  c->set_write_timeout(tuning.io_timeout_ms / 1000, (tuning.io_timeout_ms % 1000) * 1000);
  if (ep.tls) {
    c->enable_server_certificate_verification(true);
    if (!opts.ca_file.empty()) c->set_ca_cert_path(opts.ca_file.c_str());
    else if (const char* f = std::getenv("SSL_CERT_FILE")) c->set_ca_cert_path(f);
  }
  return c;
}

void Client::Impl::give_back(std::unique_ptr<httplib::Client> c) {
  std::lock_guard lock(pool_mu);
  if (idle.size() < 16) idle.push_back(std::move(c));
}

int Client::Impl::backoff_ms(int attempt) {
  // Full jitter: uniform in [0, min(cap, base * 2^attempt)].
  std::int64_t ceiling = std::min<std::int64_t>(tuning.backoff_cap_ms,
                                                std::int64_t{tuning.backoff_base_ms} << std::min(attempt, 20));
  std::lock_guard lock(rng_mu);
  return static_cast<int>(std::uniform_int_distribution<std::int64_t>(0, ceiling)(rng));
}

Result<HttpResponse> Client::Impl::send_once(HttpRequest& r, std::int64_t* sent_at_ms) {
  const std::int64_t now = clock->now_ms();
  *sent_at_ms = now;
  const std::string date = amz_date(now);
  SignableRequest sr;
  sr.method = r.method;
  sr.path = r.path.empty() ? "/" : r.path;
  sr.query = r.query;
  sr.payload_hash = r.payload_hash;
  sr.headers = {{"Host", host}, {"x-amz-date", date}, {"x-amz-content-sha256", r.payload_hash}};
  if (!opts.session_token.empty()) sr.headers.emplace_back("x-amz-security-token", opts.session_token);
  for (const auto& h : r.headers) sr.headers.push_back(h);
  Signed sig = sign_request(sr, {opts.access_key, opts.secret_key, opts.session_token},
                            {opts.region, "s3"}, date);

  httplib::Request req;
  req.method = r.method;
  req.path = uri_encode(sr.path, true);
  if (!r.query.empty()) req.path += "?" + canonical_query(r.query);
  for (const auto& [k, v] : sr.headers) req.headers.emplace(k, v);
  req.headers.emplace("Authorization", sig.authorization);

  HttpResponse out;
  std::uint64_t error_bytes = 0;
  constexpr std::uint64_t kMaxErrorBody = 64 << 10;
  bool sink_stopped = false;
  req.response_handler = [&](const httplib::Response& res) {
    out.status = res.status;
    if (r.on_headers) r.on_headers(res.status, res.get_header_value("ETag"));
    return true;
  };
  req.content_receiver = [&](const char* data, std::size_t n, std::uint64_t, std::uint64_t) {
    if (out.status >= 200 && out.status < 300 && r.sink) {
      if (!r.sink(data, n)) {
        sink_stopped = true;
        return false;
      }
      return true;
    }
    if (error_bytes < kMaxErrorBody || (out.status >= 200 && out.status < 300)) out.body.append(data, n);
    error_bytes += n;
    return true;
  };
  if (!r.body.empty()) {
    req.body = r.body;
    req.headers.emplace("Content-Type", "application/xml");
  } else if (r.read_body) {
    req.content_length_ = r.body_size;
    auto reader = r.read_body;
    req.content_provider_ = [reader](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
      std::vector<char> buf(std::min<std::size_t>(length, 256 << 10));
      if (!reader(offset, buf.data(), buf.size())) return false;
      return sink.write(buf.data(), buf.size());
    };
  }

  auto conn = take();
  httplib::Result res = conn->send(req);
  if (!res) {
    if (sink_stopped) return fail(Errc::io, "could not write what was read while " + r.what);
    return fail(transport_errc(res.error()), transport_message(res.error(), opts.endpoint, r.what));
  }
  give_back(std::move(conn));
  out.status = res->status;
  for (const auto& [k, v] : res->headers) out.headers.emplace(util::to_lower(k), v);
  return out;
}

Result<HttpResponse> Client::Impl::call(HttpRequest& r) {
  const int attempts = r.retryable ? std::max(1, tuning.max_attempts) : 1;
  for (int attempt = 0;; ++attempt) {
    std::int64_t sent_at = 0;
    auto res = send_once(r, &sent_at);
    bool transient = res ? is_transient(res->status)
                         : (res.error().code == Errc::timeout || res.error().code == Errc::unavailable);
    if (!transient || attempt + 1 >= attempts) {
      if (!res && attempts > 1)
        return fail(res.error().code, res.error().message + " (tried " + std::to_string(attempts) + " times)");
      return res;
    }
    clock->sleep_ms(backoff_ms(attempt));
    if (r.before_retry) r.before_retry(r);
  }
}

Result<HttpResponse> Client::Impl::call_ok(HttpRequest& r) {
  std::int64_t before = clock->now_ms();
  auto res = call(r);
  if (!res) return res;
  if (res->status >= 200 && res->status < 300) return res;
  return std::unexpected(map_s3_error(res->status, res->body, res->header("date"), before, context(r.what)));
}

}  // namespace lab::s3
