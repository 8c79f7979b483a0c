#include "errors.hpp"

#include "xml.hpp"

#include <cmath>
#include <ctime>

namespace lab::s3 {
namespace {

constexpr const char* kCheckConfig = "check [storage] in remote.toml";

std::string clock_message(std::int64_t skew_ms) {
  std::int64_t minutes = std::llround(std::abs(static_cast<double>(skew_ms)) / 60000.0);
  return "this machine's clock is " + std::to_string(minutes) + " minutes " +
         (skew_ms > 0 ? "ahead of" : "behind") + " the storage's, so it refuses the request: " +
         "set the clock right (e.g. enable NTP) and try again";
}

}  // namespace

std::optional<std::int64_t> parse_http_date(std::string_view date) {
  std::tm tm{};
  std::string s(date);
  const char* end = strptime(s.c_str(), "%a, %d %b %Y %H:%M:%S", &tm);
  if (!end) return std::nullopt;
  return static_cast<std::int64_t>(timegm(&tm)) * 1000;
}

Error map_s3_error(int status, std::string_view body, std::string_view server_date,
                   std::int64_t local_now_ms, const ErrorContext& ctx) {
  std::string code, message;
  if (!body.empty()) {
    if (auto doc = parse_xml(body); doc && doc->name == "Error") {
      code = doc->child_text("Code");
      message = doc->child_text("Message");
    }
  }
  const std::string at = "the storage at " + ctx.endpoint;
  const std::string bucket = "bucket '" + ctx.bucket + "'";

  // A refusal with a clock far off is a clock problem whatever the server calls it.
  if (status == 403 || code == "RequestTimeTooSkewed") {
    if (auto server_ms = parse_http_date(server_date)) {
      std::int64_t skew = local_now_ms - *server_ms;
      if (std::llabs(skew) > kMaxClockSkewMs) return {Errc::unauthenticated, clock_message(skew)};
    }
    if (code == "RequestTimeTooSkewed")
      return {Errc::unauthenticated, "the storage says this machine's clock is too far off its own: "
                                     "set the clock right (e.g. enable NTP) and try again"};
  }
  if (code == "InvalidAccessKeyId" || code == "SignatureDoesNotMatch" ||
      (status == 403 && code.empty())) {
    std::string why = code == "InvalidAccessKeyId"      ? "it does not know that key"
                      : code == "SignatureDoesNotMatch" ? "the secret key does not match"
                                                        : "wrong key or secret, or no permission";
    return {Errc::unauthenticated, at + " refused the access key '" + ctx.access_key + "' (" + why +
                                       ") while " + ctx.what + ": " + kCheckConfig};
  }
  if (code == "AccessDenied" || code == "AllAccessDisabled")
    return {Errc::permission_denied, at + " denied the access key '" + ctx.access_key + "' access to " +
                                         bucket + " while " + ctx.what + ": ask for permission or " +
                                         kCheckConfig};
  if (code == "NoSuchBucket")
    return {Errc::unavailable, bucket + " does not exist at " + ctx.endpoint + ": create it or " + kCheckConfig};
  if (code == "NoSuchKey" || (status == 404 && code.empty()))
    return {Errc::not_found, "no such object while " + ctx.what + " in " + bucket};
  if (code == "NoSuchUpload")
    return {Errc::not_found, "the multipart upload is gone while " + ctx.what + " (aborted or completed elsewhere)"};
  if (code == "InvalidRange" || status == 416)
    return {Errc::invalid_argument, "the byte range is outside the object while " + ctx.what};
  std::string detail = std::to_string(status) + (code.empty() ? "" : " " + code) +
                       (message.empty() ? "" : ": " + message);
  if (status >= 500)
    return {Errc::unavailable, at + " failed while " + ctx.what + " (" + detail + "); try again later"};
  return {Errc::invalid_argument, at + " rejected the request while " + ctx.what + " (" + detail + ")"};
}

}  // namespace lab::s3
