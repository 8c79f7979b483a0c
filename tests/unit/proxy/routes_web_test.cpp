// The web pages' server side: pages and assets served from the binary, the session cookie's
// flags, CSRF and Origin checks on state-changing requests, security headers, and the
// admin-only views.
#include "tasks_fixture.hpp"

#include "lab/proxy/web_session.hpp"

#include <lab/auth/password.hpp>
#include <lab/ledger/db.hpp>
#include <lab/web/assets.hpp>

#include <doctest/doctest.h>

using namespace lab;
using namespace lab::proxy::testing;

namespace {

struct WebLogin {
  std::string cookie;  // "lab_session=..."
  std::string csrf;
  std::string set_cookie;
};

WebLogin web_login(Fixture& f, const std::string& name, const std::string& password = "correct horse") {
  httplib::Headers h{{"Origin", f.proxy->url()}};
  auto r = f.http->Post("/api/v1/auth/web-login", h, json{{"name", name}, {"password", password}}.dump(), "application/json");
  REQUIRE(r);
  REQUIRE_MESSAGE(r->status == 200, r->body);
  WebLogin w;
  w.set_cookie = r->get_header_value("Set-Cookie");
  w.cookie = w.set_cookie.substr(0, w.set_cookie.find(';'));
  w.csrf = Fixture::body_of(r)["csrf_token"];
  CHECK_FALSE(Fixture::body_of(r).contains("token"));  // the session secret stays in the cookie
  return w;
}

httplib::Result cancel_by_cookie(Fixture& f, const std::string& id, const httplib::Headers& headers) {
  return f.http->Post(("/api/v1/tasks/" + id + "/cancel").c_str(), headers, "", "application/json");
}

}  // namespace

TEST_CASE("web: pages and assets come from the binary with a strict policy") {
  Fixture f("web-pages");
  for (const char* page : {"/", "/login", "/tasks", "/task", "/admin"}) {
    auto r = f.http->Get(page);
    REQUIRE(r);
    CHECK_MESSAGE(r->status == 200, page);
    CHECK(r->get_header_value("Content-Type").starts_with("text/html"));
    CHECK(r->get_header_value("Content-Security-Policy").find("script-src 'self'") != std::string::npos);
    CHECK(r->get_header_value("X-Frame-Options") == "DENY");
    CHECK(r->get_header_value("X-Content-Type-Options") == "nosniff");
  }
  auto js = f.http->Get("/static/uPlot.iife.min.js");
  REQUIRE(js);
  CHECK(js->status == 200);
  CHECK(js->get_header_value("Content-Type").starts_with("text/javascript"));
  CHECK(js->body == web::find_asset("uPlot.iife.min.js")->body);
  CHECK(f.http->Get("/static/nope.js")->status == 404);
  CHECK(f.http->Get("/static/..%2Fapp.js")->status == 404);
  // API answers are data: sandboxed if ever opened as a document.
  auto api = f.http->Get("/api/v1/health");
  CHECK(api->get_header_value("Content-Security-Policy").find("sandbox") != std::string::npos);
}

TEST_CASE("web: no page script writes markup from data") {
  for (const auto& a : web::all_assets()) {
    if (!a.name.ends_with(".js") || a.name.starts_with("uPlot")) continue;
    CHECK_MESSAGE(a.body.find("innerHTML") == std::string_view::npos, a.name);
    CHECK_MESSAGE(a.body.find("insertAdjacentHTML") == std::string_view::npos, a.name);
    CHECK_MESSAGE(a.body.find("document.write") == std::string_view::npos, a.name);
  }
}

TEST_CASE("web: sign-in sets an HttpOnly SameSite=Strict cookie; wrong password is refused") {
  Fixture f("web-login");
  f.sign_up("alice");
  const auto w = web_login(f, "alice");
  CHECK(w.set_cookie.find("HttpOnly") != std::string::npos);
  CHECK(w.set_cookie.find("SameSite=Strict") != std::string::npos);
  CHECK(w.set_cookie.find("Path=/") != std::string::npos);
  CHECK(w.set_cookie.find("Secure") == std::string::npos);  // plain HTTP here
  CHECK(proxy::session_cookie_header("t", 10, true).ends_with("; Secure"));

  httplib::Headers h{{"Origin", f.proxy->url()}};
  auto bad = f.http->Post("/api/v1/auth/web-login", h, json{{"name", "alice"}, {"password", "wrong one!"}}.dump(),
                          "application/json");
  CHECK(bad->status == 401);
  CHECK_FALSE(bad->has_header("Set-Cookie"));
  // Sign-in from another site's page (login CSRF) is refused.
  httplib::Headers evil{{"Origin", "http://evil.example"}};
  auto cross = f.http->Post("/api/v1/auth/web-login", evil, json{{"name", "alice"}, {"password", "correct horse"}}.dump(),
                            "application/json");
  CHECK(cross->status == 403);

  // The cookie signs GETs in, and whoami hands the page its CSRF token.
  auto who = f.http->Get("/api/v1/auth/whoami", httplib::Headers{{"Cookie", w.cookie}});
  REQUIRE(who->status == 200);
  CHECK(Fixture::body_of(who)["user"]["name"] == "alice");
  CHECK(Fixture::body_of(who)["csrf_token"] == w.csrf);
}

TEST_CASE("web: a state-changing request by cookie needs the CSRF token and our own Origin") {
  Fixture f("web-csrf");
  const std::string token = f.sign_up("alice");
  const std::string id = submit(f, token, upload_project(f, token))["id"];
  const auto w = web_login(f, "alice");
  const std::string origin = f.proxy->url();

  auto none = cancel_by_cookie(f, id, {{"Cookie", w.cookie}, {"Origin", origin}});
  CHECK(none->status == 403);
  auto wrong = cancel_by_cookie(f, id, {{"Cookie", w.cookie}, {"Origin", origin}, {"X-Lab-CSRF", std::string(64, '0')}});
  CHECK(wrong->status == 403);
  auto cross = cancel_by_cookie(f, id, {{"Cookie", w.cookie}, {"Origin", "http://evil.example"}, {"X-Lab-CSRF", w.csrf}});
  CHECK(cross->status == 403);
  auto site = cancel_by_cookie(f, id, {{"Cookie", w.cookie}, {"Sec-Fetch-Site", "cross-site"}, {"X-Lab-CSRF", w.csrf}});
  CHECK(site->status == 403);
  // Still pending: none of the refused requests cancelled it.
  CHECK(Fixture::body_of(f.get("/api/v1/tasks/" + id, token))["task"]["state"] == "pending");

  auto ok = cancel_by_cookie(f, id, {{"Cookie", w.cookie}, {"Origin", origin}, {"X-Lab-CSRF", w.csrf}});
  CHECK_MESSAGE(ok->status == 202, ok->body);
  // Bearer tokens (the CLI) are not cookies: no CSRF token needed.
  const std::string id2 = submit(f, token, upload_project(f, token))["id"];
  CHECK(f.post("/api/v1/tasks/" + id2 + "/cancel", json::object(), token)->status == 202);

  // Sign-out by cookie also needs the token, and clears the cookie.
  auto out = f.http->Post("/api/v1/auth/logout", httplib::Headers{{"Cookie", w.cookie}, {"X-Lab-CSRF", w.csrf}}, "", "application/json");
  CHECK(out->status == 204);
  CHECK(out->get_header_value("Set-Cookie").find("Max-Age=0") != std::string::npos);
  CHECK(f.http->Get("/api/v1/auth/whoami", httplib::Headers{{"Cookie", w.cookie}})->status == 401);
}

TEST_CASE("web: the session cookie is found among others; the CSRF token is not the stored digest") {
  httplib::Request req;
  req.set_header("Cookie", "theme=dark; lab_session=lab_abc; other=1");
  CHECK(proxy::session_cookie(req) == "lab_abc");
  httplib::Request none;
  none.set_header("Cookie", "lab_sessionx=1; a=lab_session=2");
  CHECK_FALSE(proxy::session_cookie(none));
  CHECK(proxy::csrf_token("lab_abc").size() == 64);
  CHECK(proxy::csrf_token("lab_abc") != auth::token_digest("lab_abc"));
}

TEST_CASE("web: usage and admin views; a student is refused the admin's") {
  Fixture f("web-admin");
  const std::string alice = f.sign_up("alice");
  const std::string bob = f.sign_up("bob");
  CHECK(f.get("/api/v1/admin/users", alice)->status == 403);
  CHECK(f.get("/api/v1/admin/pool", alice)->status == 403);
  auto mine = Fixture::body_of(f.get("/api/v1/usage", alice));
  CHECK(mine["usage"]["tasks"] == 0);
  CHECK(mine["source"].get<std::string>().find("proxy ledger") != std::string::npos);

  const std::string root = f.sign_up("carol");
  {
    auto db = ledger::Db::open(f.cfg.database.path);
    REQUIRE(db);
    REQUIRE((*db)->exec("UPDATE users SET is_admin = 1 WHERE name = 'carol'"));
  }
  const std::string id = submit(f, bob, upload_project(f, bob))["id"];
  f.send_local(proto::TaskCompleted{id, proto::TaskStatus::completed, 0, {}, 7200, 3600, std::nullopt, std::nullopt, 3600});
  REQUIRE(eventually([&] { return Fixture::body_of(f.get("/api/v1/tasks/" + id, bob))["task"]["state"] == "completed"; }));
  auto users = Fixture::body_of(f.get("/api/v1/admin/users", root));
  REQUIRE(users["users"].size() == 3);
  for (const auto& u : users["users"]) {
    if (u["name"] != "bob") continue;
    CHECK(u["usage"]["tasks"] == 1);
    CHECK(u["usage"]["gpu_seconds"] == 7200.0);
    CHECK(u["usage"]["cpu_seconds"] == 3600.0);
  }
  CHECK(Fixture::body_of(f.get("/api/v1/usage", bob))["usage"]["gpu_seconds"] == 7200.0);

  CHECK(Fixture::body_of(f.get("/api/v1/admin/pool", root))["pool"].is_null());
  proto::PoolSnapshot snap{"workers", 1000, {{"gpu-box", "worker", "mixed", 4, 1, 16, 2, 1 << 30, {id}, "worker registration"}}};
  f.send_local(snap);
  REQUIRE(eventually([&] { return !Fixture::body_of(f.get("/api/v1/admin/pool", root))["pool"].is_null(); }));
  auto pool = Fixture::body_of(f.get("/api/v1/admin/pool", root))["pool"];
  CHECK(pool["executor"] == "workers");
  CHECK(pool["slots"][0]["gpus_allocated"] == 1);
  CHECK(pool["slots"][0]["task_ids"][0] == id);
  CHECK(pool["slots"][0]["source"] == "worker registration");
}

TEST_CASE("web: metrics are stored per task with offsets, and only its owner reads them") {
  Fixture f("web-metrics");
  const std::string alice = f.sign_up("alice");
  const std::string bob = f.sign_up("bob");
  const std::string id = submit(f, alice, upload_project(f, alice))["id"];
  const std::string a = "{\"step\": 1, \"loss\": 0.5}\n", b = "{\"step\": 2, \"loss\": 0.25}\n";
  f.send_local(proto::MetricsChunk{id, 0, a});
  f.send_local(proto::MetricsChunk{id, 0, a});  // a repeat: dropped
  f.send_local(proto::MetricsChunk{id, static_cast<std::int64_t>(a.size()), b});
  REQUIRE(eventually([&] { return f.get("/api/v1/tasks/" + id + "/metrics", alice)->body == a + b; }));
  auto r = f.get("/api/v1/tasks/" + id + "/metrics?from=" + std::to_string(a.size()), alice);
  CHECK(r->body == b);
  CHECK(r->get_header_value("X-Lab-Log-Offset") == std::to_string(a.size() + b.size()));
  CHECK(r->get_header_value("Content-Type") == "application/x-ndjson");
  CHECK(f.get("/api/v1/tasks/" + id + "/metrics", bob)->status == 404);
  // The log is a different stream.
  CHECK(f.get("/api/v1/tasks/" + id + "/logs", alice)->body.empty());
}

TEST_CASE("tasks: the list searches by name") {
  Fixture f("web-search");
  const std::string alice = f.sign_up("alice");
  const std::string snap = upload_project(f, alice);
  json spec = toy_spec();
  spec["name"] = "ResNet-big";
  submit(f, alice, snap, spec);
  spec["name"] = "mlp";
  submit(f, alice, snap, spec);
  auto found = Fixture::body_of(f.get("/api/v1/tasks?name=resnet", alice))["tasks"];
  REQUIRE(found.size() == 1);
  CHECK(found[0]["name"] == "ResNet-big");
  CHECK(Fixture::body_of(f.get("/api/v1/tasks", alice))["tasks"].size() == 2);
}
