// AWS Signature Version 4: canonical request, string to sign, signing key, Authorization
// header and presigned URLs. Pure functions of their arguments (no clock, no network), so
// AWS's published test vectors can check them byte for byte. docs/s3.md describes what is
// signed and why.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lab::s3 {

// The secret part of a credential is never printed by anything in lab::s3.
struct Credentials {
  std::string access_key;
  std::string secret_key;
  std::string session_token;  // empty unless temporary (STS) credentials
};

// Who the signature is for: "20150830/us-east-1/service/aws4_request".
struct Scope {
  std::string region = "us-east-1";
  std::string service = "s3";
};

// One request as it will be sent. `path` and the query are the *decoded* bytes; the
// signer encodes them (and the client sends that same encoding, so bytes sent = bytes
// signed). Headers keep their order; a name may repeat.
struct SignableRequest {
  std::string method;
  std::string path = "/";
  std::vector<std::pair<std::string, std::string>> query;
  std::vector<std::pair<std::string, std::string>> headers;  // must include Host
  std::string payload_hash;  // lower-case hex SHA-256 of the body, or "UNSIGNED-PAYLOAD"
};

// Everything a signature computation produced, for tests and for debugging a refusal.
struct Signed {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signed_headers;  // "host;range;x-amz-date"
  std::string signature;       // 64 hex digits
  std::string authorization;   // the Authorization header value
};

inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";
inline constexpr std::string_view kEmptySha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

// Percent-encodes every byte outside RFC 3986's unreserved set (A-Z a-z 0-9 - . _ ~) as
// %XX with upper-case hex; '/' is kept when `keep_slash` (object keys in paths).
std::string uri_encode(std::string_view s, bool keep_slash);

// Decodes %XX sequences; a malformed sequence is kept as it is.
std::string uri_decode(std::string_view s);

// Removes "." and ".." segments and collapses repeated slashes (RFC 3986 section 5.2.4).
// Used for generic AWS services only: S3 keys are signed exactly as they are.
std::string normalize_path(std::string_view path);

// The canonical query string: each name and value encoded, pairs sorted by name then value.
std::string canonical_query(const std::vector<std::pair<std::string, std::string>>& query);

// Task 1 of SigV4. `normalize` removes dot segments and double slashes from the path first
// (on for generic services, off for S3).
std::string canonical_request(const SignableRequest& req, bool normalize, std::string* signed_headers);

// "20150830/us-east-1/service/aws4_request" for `amz_date` "20150830T123600Z".
std::string credential_scope(std::string_view amz_date, const Scope& scope);

// Task 2: "AWS4-HMAC-SHA256\n<date>\n<scope>\n<hex sha256 of creq>".
std::string string_to_sign(std::string_view amz_date, const Scope& scope, std::string_view creq);

// Task 3: HMAC chain "AWS4"+secret -> date -> region -> service -> "aws4_request".
std::array<unsigned char, 32> signing_key(std::string_view secret, std::string_view date8,
                                          const Scope& scope);

// Signs `req` for the Authorization header. `amz_date` must equal the X-Amz-Date header the
// request carries. The session token, if any, must already be among the headers.
Signed sign_request(const SignableRequest& req, const Credentials& creds, const Scope& scope,
                    std::string_view amz_date, bool normalize = false);

// A presigned URL for `req` (method, path, existing query, Host header): adds X-Amz-Algorithm,
// -Credential, -Date, -Expires, -SignedHeaders (and -Security-Token for temporary credentials)
// to the query, signs with UNSIGNED-PAYLOAD, and returns "<base_url><path>?<query>" where
// `base_url` is "https://host[:port]". Valid for `expires_s` seconds (1..604800).
std::string presign_url(const SignableRequest& req, const Credentials& creds, const Scope& scope,
                        std::string_view amz_date, std::int64_t expires_s, std::string_view base_url,
                        Signed* out = nullptr);

// "20150830T123600Z" for a Unix time in milliseconds.
std::string amz_date(std::int64_t epoch_ms);

// Lower-case hex SHA-256 of `data`.
std::string sha256_hex(std::string_view data);

// Incremental SHA-256 for bodies read in pieces (a file hashed before it is sent).
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(const void* data, std::size_t n);
  // Lower-case hex digest; the object must not be updated afterwards.
  std::string finish_hex();

 private:
  void* ctx_;  // EVP_MD_CTX*, owned
};

}  // namespace lab::s3
