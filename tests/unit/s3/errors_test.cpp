#include <doctest/doctest.h>

#include "lab/s3/errors.hpp"  // private header, found through src/

using namespace lab::s3;

namespace {
const ErrorContext kCtx{"http://s3.local:9000", "bkt", "AKID", "reading 'k'"};
std::string xml(const std::string& code) { return "<Error><Code>" + code + "</Code><Message>m</Message></Error>"; }
}  // namespace

TEST_CASE("s3 errors: S3 error codes map to distinct kinds and actionable messages") {
  auto e = map_s3_error(403, xml("SignatureDoesNotMatch"), "", 0, kCtx);
  CHECK(e.code == lab::Errc::unauthenticated);
  CHECK(e.message.find("refused the access key 'AKID'") != std::string::npos);
  CHECK(e.message.find("check [storage] in remote.toml") != std::string::npos);
  CHECK(map_s3_error(403, xml("InvalidAccessKeyId"), "", 0, kCtx).message.find("does not know") != std::string::npos);
  CHECK(map_s3_error(403, xml("AccessDenied"), "", 0, kCtx).code == lab::Errc::permission_denied);
  auto nb = map_s3_error(404, xml("NoSuchBucket"), "", 0, kCtx);
  CHECK(nb.code == lab::Errc::unavailable);
  CHECK(nb.message.find("bucket 'bkt' does not exist") != std::string::npos);
  CHECK(map_s3_error(404, xml("NoSuchKey"), "", 0, kCtx).code == lab::Errc::not_found);
  CHECK(map_s3_error(404, "", "", 0, kCtx).code == lab::Errc::not_found);
  CHECK(map_s3_error(416, xml("InvalidRange"), "", 0, kCtx).code == lab::Errc::invalid_argument);
  auto busy = map_s3_error(503, xml("SlowDown"), "", 0, kCtx);
  CHECK(busy.code == lab::Errc::unavailable);
  CHECK(busy.message.find("503 SlowDown: m") != std::string::npos);
}

TEST_CASE("s3 errors: a refusal with the clock far off reports the skew in minutes") {
  auto server = parse_http_date("Fri, 24 May 2013 00:00:00 GMT");
  REQUIRE(server.has_value());
  CHECK(*server == 1369353600000);
  auto ahead = map_s3_error(403, xml("SignatureDoesNotMatch"), "Fri, 24 May 2013 00:00:00 GMT",
                            *server + 61 * 60 * 1000, kCtx);
  CHECK(ahead.message.find("this machine's clock is 61 minutes ahead of the storage's") != std::string::npos);
  auto behind = map_s3_error(403, xml("RequestTimeTooSkewed"), "Fri, 24 May 2013 00:00:00 GMT",
                             *server - 90 * 60 * 1000, kCtx);
  CHECK(behind.message.find("90 minutes behind") != std::string::npos);
  // A small skew is not blamed on the clock.
  auto near = map_s3_error(403, xml("SignatureDoesNotMatch"), "Fri, 24 May 2013 00:00:00 GMT",
                           *server + 60 * 1000, kCtx);
  CHECK(near.message.find("clock") == std::string::npos);
}
