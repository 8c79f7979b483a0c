// [transport] type = "s3" in the role configs, and how it becomes transport Options.
#include <doctest/doctest.h>
#include <lab/config/check.hpp>
#include <lab/config/roles.hpp>
#include <lab/transport/from_config.hpp>

using namespace lab;
using namespace lab::config;

namespace {

bool has(const std::vector<Diagnostic>& errs, int line, std::string_view says) {
  for (const auto& d : errs)
    if (d.line == line && d.message.find(says) != std::string::npos) return true;
  return false;
}

const char* kS3Proxy = R"([transport]
type = "s3"
poll_interval_ms = 250
[storage]
type = "s3"
endpoint = "http://127.0.0.1:9000"
bucket = "course"
prefix = "lab/"
access_key = "AKID"
secret_key = "not-shown"
[database]
path = "db/proxy.db"
)";

}  // namespace

TEST_CASE("[transport] type = s3 needs no url or token and goes through the [storage] bucket") {
  auto r = parse_proxy(kS3Proxy, "proxy.toml", "/srv");
  REQUIRE_MESSAGE(r, format(r.error()));
  CHECK(r->transport.type == "s3");
  CHECK(r->transport.poll_interval_ms == 250);
  auto o = transport::options_from_config(r->transport, r->storage, r->database.path, "hint");
  CHECK(o.type == "s3");
  CHECK(o.poll_interval == std::chrono::milliseconds(250));
  CHECK(o.s3.endpoint == "http://127.0.0.1:9000");
  CHECK(o.s3.bucket == "course");
  CHECK(o.s3.prefix == "lab/");
  CHECK(o.s3.access_key == "AKID");
  CHECK(o.s3.secret_key == "not-shown");
}

TEST_CASE("[transport] type = s3 refuses local storage and the http-only keys, in words") {
  auto r = parse_proxy("[transport]\ntype = \"s3\"\ntoken = \"t\"\nurl = \"http://x:1\"\n"
                       "[storage]\nroot = \"st\"\n[database]\npath = \"db\"\n",
                       "proxy.toml", "/p");
  REQUIRE_FALSE(r);
  auto& e = r.error();
  CHECK(has(e, 2, "[storage] must have type = \"s3\" too"));
  CHECK(has(e, 3, "'token' in [transport] applies only to type = \"http\""));
  CHECK(has(e, 4, "'url' in [transport] applies only to type = \"http\""));
  auto http = parse_proxy("[transport]\nurl = \"http://x:1\"\ntoken = \"t\"\npoll_interval_ms = 100\n"
                          "[storage]\nroot = \"st\"\n[database]\npath = \"db\"\n",
                          "proxy.toml", "/p");
  REQUIRE_FALSE(http);
  CHECK(has(http.error(), 4, "'poll_interval_ms' in [transport] applies only to type = \"s3\""));
}
