#include <doctest/doctest.h>
#include <lab/client/follow.hpp>

#include "unit/client/fake_proxy.hpp"

using namespace lab;
using lab::testing::FakeProxy;

namespace {

std::string numbered_log(int lines) {
  std::string log;
  for (int i = 1; i <= lines; ++i) log += "2026-11-30T00:00:00.000Z out line " + std::to_string(i) + "\n";
  return log;
}

client::FollowOptions quick() {
  client::FollowOptions o;
  o.wait = std::chrono::seconds(0);
  o.sleep = [](std::chrono::milliseconds) {};
  return o;
}

}  // namespace

TEST_CASE("follow: a connection dropped mid-answer resumes at the offset, every line once and in order") {
  FakeProxy fake;
  fake.log = numbered_log(300);
  fake.log_piece = 1000;
  fake.drop_log_requests = {2, 3, 6};  // two drops in a row, then another later
  fake.start();
  auto c = client::ProxyClient::create(fake.url(), "tok");
  REQUIRE(c);
  std::string got;
  int retries = 0;
  auto opt = quick();
  opt.on_retry = [&](const Error& e) {
    ++retries;
    CHECK((e.code == Errc::timeout || e.code == Errc::unavailable));
  };
  auto end = client::follow_logs(**c, "t-1", 0, [&](std::string_view d) { got += d; }, opt);
  REQUIRE_MESSAGE(end, (end ? "" : end.error().message));
  CHECK(*end == fake.log.size());
  CHECK(retries == 3);
  CHECK(got == fake.log);
}

TEST_CASE("follow: the proxy going away and coming back on the same port is survived") {
  auto fake = std::make_unique<FakeProxy>();
  fake->log = numbered_log(50);
  fake->log_piece = 600;
  fake->start();
  const std::string url = fake->url();
  const int port = std::stoi(url.substr(url.rfind(':') + 1));
  auto c = client::ProxyClient::create(url, "tok");
  REQUIRE(c);
  std::string got;
  auto opt = quick();
  opt.sleep = [&](std::chrono::milliseconds) {
    // While the client waits to retry, a new proxy starts on the same port.
    if (fake) return;
    fake = std::make_unique<FakeProxy>();
    fake->log = numbered_log(50);
    fake->log_piece = 600;
    fake->server.bind_to_port("127.0.0.1", port);
    fake->start_bound(port);
  };
  auto sink = [&](std::string_view d) {
    got += d;
    if (got.size() == 600) fake.reset();  // the first proxy stops after its first answer
  };
  auto end = client::follow_logs(**c, "t-1", 0, sink, opt);
  REQUIRE_MESSAGE(end, (end ? "" : end.error().message));
  CHECK(got == numbered_log(50));
}

TEST_CASE("follow: without --follow it prints what is there and stops; errors that are not the network end it") {
  FakeProxy fake;
  fake.log = numbered_log(3);
  fake.server.Get("/api/v1/tasks/t-404/logs", [](const httplib::Request&, httplib::Response& res) {
    res.status = 404;
    res.set_content(R"({"error":{"code":"not_found","message":"no task t-404"}})", "application/json");
  });
  fake.start();
  auto c = client::ProxyClient::create(fake.url(), "tok");
  REQUIRE(c);
  auto opt = quick();
  opt.follow = false;
  std::string got;
  auto end = client::follow_logs(**c, "t-1", 10, [&](std::string_view d) { got += d; }, opt);
  REQUIRE(end);
  CHECK(got == fake.log.substr(10));

  int retries = 0;
  auto follow = quick();
  follow.on_retry = [&](const Error&) { ++retries; };
  auto missing = client::follow_logs(**c, "t-404", 0, [](std::string_view) {}, follow);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message == "no task t-404");
  CHECK(retries == 0);
}

TEST_CASE("follow: gives up after the configured number of failed attempts") {
  const int port = lab::testing::dead_port();
  auto c = client::ProxyClient::create("http://127.0.0.1:" + std::to_string(port), "tok");
  REQUIRE(c);
  auto opt = quick();
  opt.max_retries = 2;
  int retries = 0;
  opt.on_retry = [&](const Error&) { ++retries; };
  auto r = client::follow_logs(**c, "t-1", 0, [](std::string_view) {}, opt);
  REQUIRE_FALSE(r);
  CHECK(retries == 2);
  CHECK(r.error().message.find("cannot reach the proxy") != std::string::npos);
}
