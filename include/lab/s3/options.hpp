// Where an S3 bucket is and how to reach it: the `[storage] type = "s3"` settings, with the
// AWS_* environment variables as fallback for credentials. docs/s3.md describes each field.
#pragma once

#include <lab/result.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace lab::s3 {

// Path style puts the bucket in the path (http://host:9000/bucket/key), the default for
// custom endpoints; virtual-hosted style puts it in the host (https://bucket.s3.amazonaws.com/key).
enum class Addressing { path, virtual_hosted };

struct S3Options {
  std::string endpoint;       // "http://127.0.0.1:18080" or "https://s3.eu-west-1.amazonaws.com"
  std::string bucket;
  std::string region = "us-east-1";
  std::string prefix;         // prepended verbatim to every key (e.g. "lab/"); stripped from listings
  std::string access_key;
  std::string secret_key;     // never printed: redacted() shows only whether it is set
  std::string session_token;  // temporary credentials only
  Addressing addressing = Addressing::path;
  std::string ca_file;        // PEM bundle for https; empty = the system's (SSL_CERT_FILE honoured)

  // Fills empty access_key / secret_key / session_token from AWS_ACCESS_KEY_ID,
  // AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN as read by `getenv` (the process
  // environment by default). Values from the config win.
  void apply_env_fallback(const std::function<const char*(const char*)>& getenv = nullptr);

  // Checks the fields a client needs: endpoint with http:// or https://, a bucket name S3
  // accepts, a region, both halves of the credentials. The error names the field and says to
  // check [storage] in remote.toml.
  Result<void> validate() const;

  // One line for logs: every field, with the secret key and session token shown only as
  // "<redacted>" (or "<unset>").
  std::string redacted() const;
};

// An endpoint split into its parts: "https://h:8443" -> {true, "h", 8443}.
struct Endpoint {
  bool tls = false;
  std::string host;
  int port = 0;
  std::string base_path;  // anything after host:port, without a trailing '/'
};

// Parses `url` (scheme http or https, optional port and path). Errc::invalid_argument otherwise.
Result<Endpoint> parse_endpoint(std::string_view url);

// The Host header for `ep` as sent on the wire: the port appears unless it is the scheme's default.
std::string host_header(const Endpoint& ep);

}  // namespace lab::s3
