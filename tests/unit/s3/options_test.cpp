#include <doctest/doctest.h>

#include <lab/s3/options.hpp>

#include <map>

using namespace lab::s3;

TEST_CASE("s3 options: credentials fall back to AWS_* only as a pair, and redacted() hides secrets") {
  std::map<std::string, std::string> env = {{"AWS_ACCESS_KEY_ID", "AKENV"},
                                            {"AWS_SECRET_ACCESS_KEY", "envsecret"},
                                            {"AWS_SESSION_TOKEN", "envtoken"}};
  auto getenv = [&](const char* n) -> const char* {
    auto it = env.find(n);
    return it == env.end() ? nullptr : it->second.c_str();
  };
  S3Options o;
  o.endpoint = "http://127.0.0.1:9000";
  o.bucket = "my-bucket";
  o.apply_env_fallback(getenv);
  CHECK(o.access_key == "AKENV");
  CHECK(o.secret_key == "envsecret");
  CHECK(o.session_token == "envtoken");
  CHECK(o.validate().has_value());
  std::string line = o.redacted();
  CHECK(line.find("envsecret") == std::string::npos);
  CHECK(line.find("envtoken") == std::string::npos);
  CHECK(line.find("secret_key=<redacted>") != std::string::npos);
  CHECK(line.find("access_key=AKENV") != std::string::npos);

  S3Options cfg;
  cfg.endpoint = "http://h";
  cfg.bucket = "bkt";
  cfg.access_key = "AKCFG";
  cfg.secret_key = "cfgsecret";
  cfg.apply_env_fallback(getenv);
  CHECK(cfg.access_key == "AKCFG");
  CHECK(cfg.secret_key == "cfgsecret");
  CHECK(cfg.session_token.empty());
}

TEST_CASE("s3 options: validation names the bad field and points at the config") {
  S3Options o;
  o.endpoint = "ftp://h";
  o.bucket = "bkt";
  o.access_key = "a";
  o.secret_key = "s";
  auto r = o.validate();
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().message.find("http:// or https://") != std::string::npos);
  CHECK(r.error().message.find("[storage]") != std::string::npos);
  o.endpoint = "http://h";
  o.bucket = "Bad_Bucket";
  CHECK_FALSE(o.validate().has_value());
  o.bucket = "ok-bucket";
  o.secret_key.clear();
  CHECK(o.validate().error().code == lab::Errc::unauthenticated);
}

TEST_CASE("s3 options: endpoints keep their port in the Host header unless it is the default") {
  auto e = parse_endpoint("http://127.0.0.1:18080");
  REQUIRE(e.has_value());
  CHECK(host_header(*e) == "127.0.0.1:18080");
  e = parse_endpoint("https://s3.amazonaws.com/");
  REQUIRE(e.has_value());
  CHECK(e->tls);
  CHECK(e->port == 443);
  CHECK(host_header(*e) == "s3.amazonaws.com");
  e = parse_endpoint("http://h:80/base/");
  REQUIRE(e.has_value());
  CHECK(host_header(*e) == "h");
  CHECK(e->base_path == "/base");
  CHECK_FALSE(parse_endpoint("http://h:99999").has_value());
  CHECK_FALSE(parse_endpoint("http://user:pw@h").has_value());
  CHECK_FALSE(parse_endpoint("http://").has_value());
}
