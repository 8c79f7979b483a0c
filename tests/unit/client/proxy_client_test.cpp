#include <doctest/doctest.h>
#include <lab/client/proxy_client.hpp>

#include "unit/client/fake_proxy.hpp"

using namespace lab;
using lab::testing::FakeProxy;
using lab::testing::dead_port;

namespace {

std::unique_ptr<client::ProxyClient> open(const std::string& url, const std::string& token = "tok") {
  auto c = client::ProxyClient::create(url, token);
  REQUIRE(c);
  return std::move(*c);
}

void answer(httplib::Response& res, int status, const std::string& body, const char* type = "application/json") {
  res.status = status;
  res.set_content(body, type);
}

}  // namespace

TEST_CASE("proxy client: an unreachable proxy says where and what to check") {
  const int port = dead_port();
  auto c = open("http://127.0.0.1:" + std::to_string(port));
  auto r = c->login("ann", "secret-pw");
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Errc::unavailable);
  CHECK(r.error().message == "cannot reach the proxy at http://127.0.0.1:" + std::to_string(port) +
                                 " (connection refused) — is `lab proxy` running? Set LAB_PROXY_URL to point elsewhere.");
}

TEST_CASE("proxy client: a malformed proxy address is refused before any request") {
  for (std::string bad : {"localhost:8800", "ftp://x", "http://", "http://host/path"}) {
    auto c = client::ProxyClient::create(bad, "");
    REQUIRE_FALSE(c);
    CHECK(c.error().code == Errc::invalid_argument);
    CHECK(c.error().message.find("is not a proxy address") != std::string::npos);
  }
  CHECK(client::ProxyClient::create("https://lab.example.org:8443", ""));
}

TEST_CASE("proxy client: HTTP errors become plain sentences") {
  FakeProxy fake;
  std::string seen_auth;
  fake.server.Get("/api/v1/auth/whoami", [&](const httplib::Request& req, httplib::Response& res) {
    seen_auth = req.get_header_value("Authorization");
    answer(res, 401, R"({"error":{"code":"unauthenticated","message":"session expired"}})");
  });
  fake.server.Post("/api/v1/auth/login", [](const httplib::Request&, httplib::Response& res) {
    answer(res, 401, R"({"error":{"code":"unauthenticated","message":"wrong name or password"}})");
  });
  fake.server.Get("/api/v1/tasks/t-1", [](const httplib::Request&, httplib::Response& res) {
    answer(res, 404, R"({"error":{"code":"not_found","message":"no task t-1, or it is not yours"}})");
  });
  fake.server.Get("/api/v1/tasks/t-2", [](const httplib::Request&, httplib::Response& res) {
    answer(res, 404, "<html>Not Found</html>", "text/html");
  });
  fake.server.Post("/api/v1/snapshots", [](const httplib::Request&, httplib::Response& res) {
    answer(res, 413, R"({"error":{"code":"too_large","message":"the manifest is larger than 64 MiB; exclude generated files"}})");
  });
  fake.server.Post("/api/v1/tasks/t-3/cancel", [](const httplib::Request&, httplib::Response& res) {
    answer(res, 413, "", "text/plain");
  });
  fake.server.Post("/api/v1/tasks/t-4/cancel", [](const httplib::Request&, httplib::Response& res) {
    answer(res, 409, R"({"error":{"code":"conflict","message":"t-4 has already finished"}})");
  });
  fake.start();
  auto c = open(fake.url(), "lab_secret");

  auto me = c->whoami();
  REQUIRE_FALSE(me);
  CHECK(seen_auth == "Bearer lab_secret");
  CHECK(me.error().code == Errc::unauthenticated);
  CHECK(me.error().message == "not logged in (or session expired): run `lab login NAME`");

  auto login = c->login("ann", "nope-nope");  // 401 at login is a wrong password, as the proxy says
  REQUIRE_FALSE(login);
  CHECK(login.error().message == "wrong name or password");

  auto t1 = c->get_task("t-1");
  REQUIRE_FALSE(t1);
  CHECK(t1.error().code == Errc::not_found);
  CHECK(t1.error().message == "no task t-1, or it is not yours");

  auto t2 = c->get_task("t-2");
  REQUIRE_FALSE(t2);
  CHECK(t2.error().message.find("does not know /api/v1/tasks/t-2 (HTTP 404)") != std::string::npos);

  auto snap = c->create_snapshot({});
  REQUIRE_FALSE(snap);
  CHECK(snap.error().message == "the manifest is larger than 64 MiB; exclude generated files");

  auto t3 = c->cancel_task("t-3");
  REQUIRE_FALSE(t3);
  CHECK(t3.error().message == "the proxy at " + fake.url() + " refused the request as too large (HTTP 413)");

  auto t4 = c->cancel_task("t-4");
  REQUIRE_FALSE(t4);
  CHECK(t4.error().code == Errc::conflict);
  CHECK(t4.error().message == "t-4 has already finished");
}

TEST_CASE("proxy client: tasks, sessions and log headers are decoded") {
  FakeProxy fake;
  fake.server.Post("/api/v1/auth/register", [](const httplib::Request& req, httplib::Response& res) {
    auto j = nlohmann::json::parse(req.body);
    CHECK(j["invite_code"] == "inv-1");
    answer(res, 201, R"({"user":{"name":"ann","is_admin":false,"created_at_ms":5},"token":"lab_x","expires_at_ms":99})");
  });
  fake.server.Get("/api/v1/tasks/t-9", [](const httplib::Request&, httplib::Response& res) {
    answer(res, 200, R"({"task":{"id":"t-9","name":"toy","user":"ann","state":"failed","reason":"out of memory",
      "priority":"high","command":"python3 t.py","resources":{"gpus":1,"cpus":2,"memory_bytes":1024,"time_limit_s":60},
      "snapshot":"s","exit_code":137,"created_at_ms":1,"updated_at_ms":2,"started_at_ms":3,"finished_at_ms":null,
      "events":[{"state":"pending","reason":"","at_ms":1},{"state":"failed","reason":"out of memory","at_ms":4}]}})");
  });
  fake.server.Get("/api/v1/tasks", [](const httplib::Request& req, httplib::Response& res) {
    CHECK(req.get_param_value("limit") == "5");
    CHECK(req.get_param_value("all") == "1");
    answer(res, 200, R"({"tasks":[{"id":"t-2","state":"queued"},{"id":"t-1","state":"completed","exit_code":0}],"next":"t-0"})");
  });
  fake.log = "2026-11-30T00:00:00.000Z out hello\n";
  fake.start();
  auto c = open(fake.url(), "");
  auto s = c->register_user("ann", "password1", "inv-1");
  REQUIRE(s);
  CHECK(s->user.name == "ann");
  CHECK(s->token == "lab_x");
  CHECK(s->expires_at_ms == 99);

  auto t = c->get_task("t-9");
  REQUIRE(t);
  CHECK(t->state == "failed");
  CHECK(t->final());
  CHECK(t->exit_code == 137);
  CHECK(t->gpus == 1);
  CHECK(t->memory_bytes == 1024);
  CHECK(t->started_at_ms == 3);
  CHECK_FALSE(t->finished_at_ms);
  REQUIRE(t->events.size() == 2);
  CHECK(t->events[1].reason == "out of memory");
  CHECK(client::to_json(*t)["exit_code"] == 137);

  auto page = c->list_tasks(5, true);
  REQUIRE(page);
  REQUIRE(page->tasks.size() == 2);
  CHECK(page->tasks[1].exit_code == 0);
  CHECK(page->next == "t-0");

  auto chunk = c->logs("t-9", 6, std::chrono::seconds(0));
  REQUIRE(chunk);
  CHECK(chunk->data == fake.log.substr(6));
  CHECK(chunk->next_offset == fake.log.size());
  CHECK(chunk->complete);
}
