#include "fixture.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <thread>

using namespace lab;
using namespace lab::proxy::testing;

TEST_CASE("proxy auth: register, whoami, logout, login") {
  Fixture f("auth");
  auto r = f.post("/api/v1/auth/register", {{"name", "alice"}, {"password", "correct horse"}});
  REQUIRE(r);
  CHECK(r->status == 201);
  auto j = Fixture::body_of(r);
  const std::string token = j["token"];
  CHECK(token.starts_with("lab_"));
  CHECK(token.size() == 4 + 43);
  CHECK(j["user"]["name"] == "alice");
  CHECK(j["user"]["is_admin"] == false);
  CHECK(j["expires_at_ms"].get<std::int64_t>() > sys::real_clock().now_ms() + 29LL * 24 * 3600 * 1000);

  auto who = f.get("/api/v1/auth/whoami", token);
  REQUIRE(who);
  CHECK(who->status == 200);
  CHECK(Fixture::body_of(who)["user"]["name"] == "alice");

  auto out = f.post("/api/v1/auth/logout", json::object(), token);
  REQUIRE(out);
  CHECK(out->status == 204);
  auto again = f.get("/api/v1/auth/whoami", token);
  CHECK(again->status == 401);
  CHECK(Fixture::error_code(again) == "unauthenticated");

  auto in = f.post("/api/v1/auth/login", {{"name", "alice"}, {"password", "correct horse"}});
  REQUIRE(in);
  CHECK(in->status == 200);
  const std::string token2 = Fixture::body_of(in)["token"];
  CHECK(token2 != token);
  CHECK(f.get("/api/v1/auth/whoami", token2)->status == 200);
  // Only the token's digest is kept: the token itself is nowhere in the ledger file.
  std::ifstream db(f.dir / "proxy.db", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(db)), std::istreambuf_iterator<char>());
  std::ifstream wal(f.dir / "proxy.db-wal", std::ios::binary);
  bytes.append((std::istreambuf_iterator<char>(wal)), std::istreambuf_iterator<char>());
  CHECK(bytes.find(token2) == std::string::npos);
  CHECK(bytes.find("correct horse") == std::string::npos);
}

TEST_CASE("proxy auth: wrong password and unknown user answer the same 401") {
  Fixture f("auth-wrong");
  f.sign_up("bob");
  auto wrong = f.post("/api/v1/auth/login", {{"name", "bob"}, {"password", "not his password"}});
  auto nobody = f.post("/api/v1/auth/login", {{"name", "nobody"}, {"password", "whatever123"}});
  CHECK(wrong->status == 401);
  CHECK(nobody->status == 401);
  CHECK(Fixture::body_of(wrong)["error"]["message"] == Fixture::body_of(nobody)["error"]["message"]);
}

TEST_CASE("proxy auth: repeated wrong passwords lock the name out for a while, without checking the password") {
  Fixture f("auth-guard", [](config::ProxyConfig& c) {
    c.auth.max_failed_sign_ins = 3;
    c.auth.sign_in_lockout_seconds = 2;
  });
  f.sign_up("bob", "bobs right password");
  f.sign_up("carol", "carols right password");
  auto login = [&](const std::string& name, const std::string& password) {
    auto r = f.post("/api/v1/auth/login", {{"name", name}, {"password", password}});
    REQUIRE(r);
    return r;
  };
  // Failures below the limit are forgotten by a right password.
  CHECK(login("bob", "guess 1")->status == 401);
  CHECK(login("bob", "guess 2")->status == 401);
  CHECK(login("bob", "bobs right password")->status == 200);
  for (int i = 0; i < 3; ++i) CHECK(login("bob", "guess " + std::to_string(i))->status == 401);
  // Now even the right password is refused, with how long to wait.
  auto locked = login("bob", "bobs right password");
  CHECK(locked->status == 429);
  CHECK(Fixture::error_code(locked) == "rate_limited");
  CHECK(Fixture::body_of(locked)["error"]["message"].get<std::string>().find("too many failed sign-ins for 'bob'") == 0);
  const int retry = std::stoi(locked->get_header_value("Retry-After"));
  CHECK(retry >= 1);
  CHECK(retry <= 2);
  // Another name is not locked by bob's failures.
  CHECK(login("carol", "carols right password")->status == 200);
  // After the window the right password works again.
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  CHECK(login("bob", "bobs right password")->status == 200);
}

TEST_CASE("proxy auth: registration rules") {
  SUBCASE("closed registration answers 403") {
    Fixture f("auth-closed", [](config::ProxyConfig& c) { c.auth.open_registration = false; });
    auto r = f.post("/api/v1/auth/register", {{"name", "carol"}, {"password", "long enough"}});
    CHECK(r->status == 403);
    CHECK(Fixture::error_code(r) == "permission_denied");
  }
  SUBCASE("an invite code must be given and right") {
    Fixture f("auth-invite", [](config::ProxyConfig& c) {
      c.auth.open_registration = false;
      c.auth.invite_code = "welcome-2026";
    });
    CHECK(f.post("/api/v1/auth/register", {{"name", "carol"}, {"password", "long enough"}})->status == 403);
    CHECK(f.post("/api/v1/auth/register", {{"name", "carol"}, {"password", "long enough"}, {"invite_code", "guess"}})
              ->status == 403);
    CHECK(f.post("/api/v1/auth/register",
                 {{"name", "carol"}, {"password", "long enough"}, {"invite_code", "welcome-2026"}})
              ->status == 201);
  }
  SUBCASE("bad names, short passwords, taken names, missing fields, bad JSON") {
    Fixture f("auth-rules");
    f.sign_up("dave");
    auto taken = f.post("/api/v1/auth/register", {{"name", "dave"}, {"password", "long enough"}});
    CHECK(taken->status == 409);
    CHECK(Fixture::error_code(taken) == "conflict");
    CHECK(f.post("/api/v1/auth/register", {{"name", "Dave"}, {"password", "long enough"}})->status == 400);
    CHECK(f.post("/api/v1/auth/register", {{"name", "x"}, {"password", "long enough"}})->status == 400);
    CHECK(f.post("/api/v1/auth/register", {{"name", "-dash"}, {"password", "long enough"}})->status == 400);
    auto short_pw = f.post("/api/v1/auth/register", {{"name", "erin"}, {"password", "short"}});
    CHECK(short_pw->status == 400);
    CHECK(Fixture::body_of(short_pw)["error"]["message"].get<std::string>().find("at least 8") != std::string::npos);
    auto missing = f.post("/api/v1/auth/register", {{"name", "erin"}});
    CHECK(missing->status == 400);
    CHECK(Fixture::body_of(missing)["error"]["message"].get<std::string>().find("'password'") != std::string::npos);
    auto bad = f.http->Post("/api/v1/auth/register", "{not json", "application/json");
    CHECK(bad->status == 400);
    CHECK(Fixture::error_code(bad) == "invalid_argument");
  }
}

TEST_CASE("proxy auth: tokens are required, checked and expire") {
  Fixture f("auth-token", [](config::ProxyConfig& c) { c.auth.token_ttl_hours = 1; });
  CHECK(f.get("/api/v1/auth/whoami")->status == 401);
  CHECK(f.get("/api/v1/tasks")->status == 401);
  CHECK(f.get("/api/v1/auth/whoami", "lab_notarealtoken")->status == 401);
  const std::string t = f.sign_up("frank");
  auto who = Fixture::body_of(f.get("/api/v1/auth/whoami", t));
  const auto left = who["expires_at_ms"].get<std::int64_t>() - sys::real_clock().now_ms();
  CHECK(left > 3'500'000);
  CHECK(left <= 3'600'000);
}

TEST_CASE("proxy: health needs no token and reports the remote; unknown paths answer JSON 404") {
  Fixture f("health");
  auto h = f.get("/api/v1/health");
  REQUIRE(h);
  CHECK(h->status == 200);
  CHECK(Fixture::body_of(h)["status"] == "ok");
  // The consumer's long-poll to the remote's mailbox completes within about a second.
  CHECK(eventually([&] { return Fixture::body_of(f.get("/api/v1/health"))["remote"] == "up"; }));
  CHECK(Fixture::body_of(f.get("/api/v1/health"))["remote_last_seen_ms"].get<std::int64_t>() > 0);
  auto none = f.get("/api/v1/nothing-here");
  CHECK(none->status == 404);
  CHECK(Fixture::error_code(none) == "not_found");
}

TEST_CASE("proxy: health says down when the remote is not reachable") {
  Fixture f("health-down", [](config::ProxyConfig& c) { c.transport.url = "http://127.0.0.1:1"; });
  std::this_thread::sleep_for(1500ms);
  CHECK(Fixture::body_of(f.get("/api/v1/health"))["remote"] == "down");
}
