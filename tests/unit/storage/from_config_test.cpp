#include <doctest/doctest.h>

#include <lab/storage/from_config.hpp>

#include <map>

using namespace lab;
using namespace lab::storage;

namespace {

config::StorageSection s3_section() {
  config::StorageSection s;
  s.type = "s3";
  s.endpoint = "http://127.0.0.1:9";
  s.bucket = "course-data";
  s.region = "eu-west-1";
  s.prefix = "lab/";
  return s;
}

std::function<const char*(const char*)> env(std::map<std::string, std::string> vars) {
  auto held = std::make_shared<std::map<std::string, std::string>>(std::move(vars));
  return [held](const char* name) -> const char* {
    auto it = held->find(name);
    return it == held->end() ? nullptr : it->second.c_str();
  };
}

}  // namespace

TEST_CASE("[storage] type = s3 becomes S3 options, credentials from the config first") {
  auto sec = s3_section();
  sec.access_key = "AKIDCONFIG";
  sec.secret_key = "config-secret";
  auto o = options_from_config(sec, env({{"AWS_ACCESS_KEY_ID", "AKIDENV"}, {"AWS_SECRET_ACCESS_KEY", "env-secret"}}));
  CHECK(o.type == "s3");
  CHECK(o.s3.endpoint == "http://127.0.0.1:9");
  CHECK(o.s3.bucket == "course-data");
  CHECK(o.s3.region == "eu-west-1");
  CHECK(o.s3.prefix == "lab/");
  CHECK(o.s3.access_key == "AKIDCONFIG");
  CHECK(o.s3.secret_key == "config-secret");
  CHECK(o.s3.addressing == s3::Addressing::path);
}

TEST_CASE("without keys in the config, the AWS_* variables supply them; AWS is the default endpoint") {
  auto sec = s3_section();
  sec.endpoint.reset();
  sec.addressing = "virtual";
  auto o = options_from_config(sec, env({{"AWS_ACCESS_KEY_ID", "AKIDENV"},
                                         {"AWS_SECRET_ACCESS_KEY", "env-secret"},
                                         {"AWS_SESSION_TOKEN", "env-token"}}));
  CHECK(o.s3.endpoint == "https://s3.eu-west-1.amazonaws.com");
  CHECK(o.s3.addressing == s3::Addressing::virtual_hosted);
  CHECK(o.s3.access_key == "AKIDENV");
  CHECK(o.s3.secret_key == "env-secret");
  CHECK(o.s3.session_token == "env-token");
}

TEST_CASE("the storage description for logs never shows the secret or the session token") {
  auto sec = s3_section();
  sec.access_key = "AKIDSHOWN";
  sec.secret_key = "wJalrXUtnFEMI-very-secret";
  sec.session_token = "session-token-secret";
  std::string line = describe(options_from_config(sec, env({})));
  CHECK(line.find("AKIDSHOWN") != std::string::npos);
  CHECK(line.find("course-data") != std::string::npos);
  CHECK(line.find("very-secret") == std::string::npos);
  CHECK(line.find("session-token-secret") == std::string::npos);
  CHECK(line.find("<redacted>") != std::string::npos);
}

TEST_CASE("opening S3 storage without credentials says where to put them, naming the role's file") {
  auto r = open_storage(s3_section(), "proxy.toml");
  // The process may carry AWS_* variables; only check the message when none are set.
  if (!std::getenv("AWS_ACCESS_KEY_ID") && !std::getenv("AWS_SECRET_ACCESS_KEY")) {
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == Errc::unauthenticated);
    CHECK(r.error().message.find("AWS_ACCESS_KEY_ID") != std::string::npos);
    CHECK(r.error().message.find("check [storage] in proxy.toml") != std::string::npos);
  }
}

TEST_CASE("opening S3 storage on a store that is down fails at once, in plain words") {
  auto sec = s3_section();
  sec.access_key = "AKID";
  sec.secret_key = "secret-value";
  auto o = options_from_config(sec, env({}));
  o.s3_tuning.max_attempts = 1;
  auto r = make_storage(o);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == Errc::unavailable);
  CHECK(r.error().message.find("cannot reach the storage at http://127.0.0.1:9") != std::string::npos);
  CHECK(r.error().message.find("secret-value") == std::string::npos);
}
