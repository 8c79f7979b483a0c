// The inside of lab::s3::Client, shared by client.cpp (simple operations), transport.cpp
// (signing, sending, retrying) and multipart.cpp. Private to lab::s3.
#pragma once

#include <lab/s3/client.hpp>
#include <lab/s3/sigv4.hpp>

#include "errors.hpp"

#include <map>
#include <mutex>
#include <random>

namespace httplib { class Client; }

namespace lab::s3 {

// One HTTP exchange to make. `path` is decoded ("/bucket/a b"); the transport encodes it.
struct HttpRequest {
  HttpRequest(std::string m, std::string p) : method(std::move(m)), path(std::move(p)) {}
  std::string method;
  std::string path;
  std::vector<std::pair<std::string, std::string>> query;
  std::vector<std::pair<std::string, std::string>> headers;  // extra, all signed
  std::string payload_hash = std::string(kEmptySha256);
  std::string body;                                           // small bodies
  std::uint64_t body_size = 0;                                // streamed bodies: size and ...
  std::function<bool(std::uint64_t offset, char* buf, std::size_t n)> read_body;  // ... reader
  Sink sink;            // 2xx response bodies go here when set; otherwise into HttpResponse::body
  bool retryable = false;
  std::function<void(HttpRequest&)> before_retry;  // adjusts a retry (e.g. a resumed Range)
  // Told the status and ETag of each answer before its body arrives.
  std::function<void(int status, const std::string& etag)> on_headers;
  std::string what;     // "reading 'k'", for messages
};

struct HttpResponse {
  int status = 0;
  std::multimap<std::string, std::string> headers;  // names lower-cased
  std::string body;  // error bodies, and 2xx bodies when no sink was given
  std::string header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

struct Client::Impl {
  S3Options opts;
  Tuning tuning;
  sys::Clock* clock;
  Endpoint ep;          // where connections go (virtual-hosted: bucket.host)
  std::string host;     // the Host header, exactly as sent and signed
  std::string bucket_path;  // "/bucket" (path style), "" (virtual-hosted), after ep.base_path

  std::mutex pool_mu;
  std::vector<std::unique_ptr<httplib::Client>> idle;  // guarded by pool_mu

  std::mutex rng_mu;
  std::minstd_rand rng;  // guarded by rng_mu

  Impl(S3Options o, Tuning t, sys::Clock* c);
  ~Impl();

  // "/bucket/<prefix><key>" (decoded).
  std::string object_path(std::string_view key) const;
  ErrorContext context(std::string what) const;

  // Sends `req` once per attempt, signing each attempt afresh; retries transport failures and
  // 5xx answers with backoff when `req.retryable`. Returns any HTTP answer below 500 or a
  // 5xx after the last attempt as a response; only failures to talk at all are errors.
  Result<HttpResponse> call(HttpRequest& req);
  // call(), then every non-2xx status is turned into an Error.
  Result<HttpResponse> call_ok(HttpRequest& req);

  int backoff_ms(int attempt);

 private:
  Result<HttpResponse> send_once(HttpRequest& req, std::int64_t* sent_at_ms);
  std::unique_ptr<httplib::Client> take();
  void give_back(std::unique_ptr<httplib::Client> c);
};

// Uploads the body `read` yields as `key` in parts (PartReader: client.hpp, called under a
// lock, in order, never concurrently). `size`, when known, sizes the parts and must match
// what `read` yields (Errc::io otherwise); nullopt = until `read` comes up short. Aborts the
// upload on any failure.
Result<void> multipart_upload(Client::Impl& impl, std::string_view key, std::optional<std::uint64_t> size,
                              const PartReader& read);

}  // namespace lab::s3
