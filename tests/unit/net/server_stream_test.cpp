// net::Server's streamed responses and streamed uploads.
#include "../transport/helpers.hpp"

#include <doctest/doctest.h>
#include <httplib.h>
#include <lab/net/server.hpp>

#include <cstring>

using namespace lab;
using namespace lab::transport::testing;

namespace {

std::unique_ptr<net::Server> server_with(std::uint64_t upload_limit, std::string* received) {
  net::ServerOptions o;
  o.token = kToken;
  o.max_body_bytes = 1024;
  auto s = net::Server::create(o).value();
  s->route("GET", "/stream/([0-9]+)", [](const net::Request& r) {
    net::Response res{200, "", "application/octet-stream"};
    const int pieces = std::stoi(r.matches.at(0));
    res.stream = [pieces](const net::BodyWriter& write) -> Result<void> {
      for (int i = 0; i < pieces; ++i) {
        std::string piece(1000, static_cast<char>('a' + i % 26));
        if (auto w = write(std::as_bytes(std::span(piece.data(), piece.size()))); !w) return w;
      }
      if (pieces == 3) return fail(Errc::io, "disk went away");
      return {};
    };
    return res;
  });
  s->route_upload("PUT", "/upload", upload_limit, [received](const net::Request&, const net::BodyReader& read) {
    auto r = read([&](std::string_view chunk) -> Result<void> {
      received->append(chunk);
      return {};
    });
    if (!r) return net::json_error(413, "payload_too_large", r.error().message);
    return net::Response{200, "{\"bytes\":" + std::to_string(received->size()) + "}"};
  });
  s->route_upload("PUT", "/refuse", upload_limit, [](const net::Request&, const net::BodyReader&) {
    return net::json_error(409, "stale_attempt", "not reading this");
  });
  REQUIRE(s->start());
  return s;
}

}  // namespace

TEST_CASE("a streamed response arrives whole; a failure midway cuts it short") {
  std::string got;
  auto s = server_with(1 << 20, &got);
  httplib::Client c(s->url());
  c.set_bearer_token_auth(kToken);
  auto ok = c.Get("/stream/50");
  REQUIRE(ok);
  CHECK(ok->status == 200);
  CHECK(ok->body.size() == 50000);
  CHECK(ok->body.substr(49000, 3) == "xxx");
  auto cut = c.Get("/stream/3");
  CHECK((!cut || cut->body.size() < 3000 || cut->status != 200));
}

TEST_CASE("an upload route takes bodies beyond the server's limit, up to its own") {
  std::string got;
  auto s = server_with(100000, &got);
  httplib::Client c(s->url());
  c.set_bearer_token_auth(kToken);
  const std::string body(50000, 'z');
  auto r = c.Put("/upload", body, "application/octet-stream");
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(got == body);
  got.clear();
  auto big = c.Put("/upload", std::string(200000, 'z'), "application/octet-stream");
  REQUIRE(big);
  CHECK(big->status == 413);
  CHECK(got.empty());
  // Ordinary routes keep the server-wide limit, and the token is still required.
  httplib::Client anon(s->url());
  auto denied = anon.Put("/upload", "x", "text/plain");
  REQUIRE(denied);
  CHECK(denied->status == 401);
}

TEST_CASE("an upload refused without reading its body does not spoil the next request") {
  std::string got;
  auto s = server_with(1 << 20, &got);
  httplib::Client c(s->url());
  c.set_bearer_token_auth(kToken);
  auto refused = c.Put("/refuse", std::string(300000, 'q'), "application/octet-stream");
  REQUIRE(refused);
  CHECK(refused->status == 409);
  auto next = c.Get("/stream/1");
  REQUIRE(next);
  CHECK(next->status == 200);
  CHECK(next->body == std::string(1000, 'a'));
}
