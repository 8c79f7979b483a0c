#include <doctest/doctest.h>
#include <lab/cli/credentials.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

using namespace lab;
using namespace lab::cli;

namespace {
// Points LAB_CONFIG_DIR at a fresh folder for one test, and restores the environment after.
struct TempConfig {
  std::filesystem::path dir;
  std::string saved_proxy;
  bool had_proxy = false;
  TempConfig() {
    dir = std::filesystem::temp_directory_path() / ("lab-cred-" + std::to_string(getpid())) / "cfg";
    std::filesystem::remove_all(dir.parent_path());
    setenv("LAB_CONFIG_DIR", dir.c_str(), 1);
    if (const char* p = std::getenv("LAB_PROXY_URL")) had_proxy = true, saved_proxy = p;
    unsetenv("LAB_PROXY_URL");
  }
  ~TempConfig() {
    std::filesystem::remove_all(dir.parent_path());
    unsetenv("LAB_CONFIG_DIR");
    if (had_proxy) setenv("LAB_PROXY_URL", saved_proxy.c_str(), 1);
  }
};
}  // namespace

TEST_CASE("credentials round trip in a 0600 file inside a 0700 folder") {
  TempConfig t;
  CHECK_FALSE(load_credentials().value().has_value());
  REQUIRE(save_credentials({"http://p:8800", "alice", "lab_secret", 123}));
  auto c = load_credentials().value();
  REQUIRE(c);
  CHECK(c->user == "alice");
  CHECK(c->token == "lab_secret");
  CHECK(c->expires_at_ms == 123);
  struct stat st {};
  REQUIRE(::stat((t.dir / "credentials.json").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  REQUIRE(::stat(t.dir.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0700);
  REQUIRE(forget_credentials());
  CHECK_FALSE(load_credentials().value().has_value());
  CHECK(forget_credentials());  // absent is fine
}

TEST_CASE("a damaged credentials file says to log in again") {
  TempConfig t;
  std::filesystem::create_directories(t.dir);
  std::ofstream(t.dir / "credentials.json") << "{not json";
  auto r = load_credentials();
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Errc::corrupt);
  CHECK(r.error().message.find("lab login") != std::string::npos);
}

TEST_CASE("proxy URL: flag, then LAB_PROXY_URL, then stored, then the default") {
  TempConfig t;
  Credentials stored{"http://stored:1/", "a", "t", 0};
  CHECK(resolve_proxy_url(std::nullopt, std::nullopt) == "http://localhost:8800");
  CHECK(resolve_proxy_url(std::nullopt, stored) == "http://stored:1");
  setenv("LAB_PROXY_URL", "http://env:2", 1);
  CHECK(resolve_proxy_url(std::nullopt, stored) == "http://env:2");
  CHECK(resolve_proxy_url(std::string("http://flag:3/"), stored) == "http://flag:3");
}
