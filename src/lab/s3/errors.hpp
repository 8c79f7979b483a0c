// Turns S3 answers into lab::Error values with plain messages. Pure functions (the local time
// is an argument), private to lab::s3. docs/s3.md lists the mapping.
#pragma once

#include <lab/result.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lab::s3 {

// What the failed request was about, for the message. Never holds the secret key.
struct ErrorContext {
  std::string endpoint;
  std::string bucket;
  std::string access_key;
  std::string what;  // "reading 'runs/7/log.txt'"
};

// Skews larger than this are reported as a clock problem (AWS refuses beyond 15 minutes).
inline constexpr std::int64_t kMaxClockSkewMs = 15 * 60 * 1000;

// Parses an RFC 1123 HTTP date ("Fri, 24 May 2013 00:00:00 GMT") into Unix milliseconds.
std::optional<std::int64_t> parse_http_date(std::string_view date);

// The error for an HTTP answer `status` with (possibly empty) XML `body`. `server_date` is the
// Date header (used to measure clock skew), `local_now_ms` this machine's time when it was sent.
Error map_s3_error(int status, std::string_view body, std::string_view server_date,
                   std::int64_t local_now_ms, const ErrorContext& ctx);

}  // namespace lab::s3
