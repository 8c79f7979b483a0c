#include "../transport/helpers.hpp"

#include <doctest/doctest.h>
#include <lab/net/client.hpp>
#include <lab/net/server.hpp>
#include <lab/transport/transport.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <thread>

using namespace lab;
using namespace lab::transport::testing;
using namespace std::chrono_literals;

namespace {

std::unique_ptr<transport::Transport> listener(const std::filesystem::path& dir, std::size_t max_body = 8u << 20) {
  auto o = listener_options(dir / "remote.db");
  o.max_body_bytes = max_body;
  auto t = transport::make_transport(o);
  REQUIRE_MESSAGE(t, t.error().message);
  return std::move(*t);
}

std::unique_ptr<net::Client> client(const std::string& url, const std::string& token = kToken) {
  net::ClientOptions o;
  o.url = url;
  o.token = token;
  return net::Client::create(o).value();
}

int port_of(const std::string& url) { return std::stoi(url.substr(url.rfind(':') + 1)); }

// Sends `request` on a raw loopback socket and returns what comes back within `wait`.
std::string raw_exchange(int port, const std::string& request, std::chrono::milliseconds wait) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  timeval tv{static_cast<time_t>(wait.count() / 1000), static_cast<suseconds_t>((wait.count() % 1000) * 1000)};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  REQUIRE(send(fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size()));
  std::string out;
  char buf[4096];
  while (true) {
    auto n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
    if (out.find("\r\n\r\n") != std::string::npos && out.find('}') != std::string::npos) break;
  }
  close(fd);
  return out;
}

}  // namespace

TEST_CASE("tokens are compared in full") {
  CHECK(net::token_matches("abc", "abc"));
  CHECK_FALSE(net::token_matches("abd", "abc"));
  CHECK_FALSE(net::token_matches("ab", "abc"));
  CHECK_FALSE(net::token_matches("", "abc"));
}

TEST_CASE("a wrong or missing token gets 401 with a JSON message") {
  auto dir = fresh_dir("401");
  auto l = listener(dir);
  auto wrong = client(l->listen_url(), "guess")->get("/v1/health").value();
  CHECK(wrong.status == 401);
  CHECK(net::error_text(wrong).find("token is wrong") != std::string::npos);
  auto none = client(l->listen_url(), "")->get("/v1/health").value();
  CHECK(none.status == 401);
  CHECK(net::error_text(none).find("needs a bearer token") != std::string::npos);
  CHECK(client(l->listen_url())->get("/v1/health").value().status == 200);
}

TEST_CASE("a malformed body gets 400 with a message saying what is wrong") {
  auto dir = fresh_dir("400");
  auto l = listener(dir);
  auto c = client(l->listen_url());
  auto r = c->post("/v1/channels/to_remote/messages", "{\"messages\": [").value();
  CHECK(r.status == 400);
  CHECK(net::error_text(r).find("not valid JSON") != std::string::npos);
  r = c->post("/v1/channels/to_remote/messages", R"({"messages":[{"v":1,"type":"ack","sent_at_ms":1,"body":{}}]})").value();
  CHECK(r.status == 400);
  CHECK(net::error_text(r) == "messages[0]: envelope: field 'id' is missing");
  r = c->post("/v1/channels/to_remote/receive", R"({"wait_ms":-5})").value();
  CHECK(r.status == 400);
  CHECK(net::error_text(r).find("'wait_ms' must be a whole number from 0 to 60000") != std::string::npos);
  r = c->post("/v1/channels/to_mars/receive", "{}").value();
  CHECK(r.status == 404);
  CHECK(net::error_text(r).find("unknown channel 'to_mars'") != std::string::npos);
  CHECK(l->list_pending(transport::kToRemote).value().empty());
}

TEST_CASE("an oversized body is refused at once, without reading it") {
  auto dir = fresh_dir("413");
  auto l = listener(dir, 64 * 1024);
  // Announce 1 GiB but send only a few bytes: a server that tried to read the body would
  // sit until its read timeout (10 s) instead of answering.
  std::string req = "POST /v1/channels/to_remote/messages HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                    std::string(kToken) +
                    "\r\nContent-Type: application/json\r\nContent-Length: 1073741824\r\n\r\n{\"messages\":[";
  auto start = std::chrono::steady_clock::now();
  auto answer = raw_exchange(port_of(l->listen_url()), req, 5s);
  auto took = std::chrono::steady_clock::now() - start;
  CHECK(answer.find("HTTP/1.1 413") == 0);
  CHECK(answer.find("at most 65536") != std::string::npos);
  CHECK(answer.find("Connection: close") != std::string::npos);
  CHECK(took < 2s);
  // A body within the limit still works.
  CHECK(client(l->listen_url())->post("/v1/channels/to_remote/messages", R"({"messages":[]})").value().status == 200);
}

TEST_CASE("the server refuses to bind a port in use, saying so") {
  auto dir = fresh_dir("bind");
  auto l = listener(dir);
  auto o = listener_options(dir / "other.db", port_of(l->listen_url()));
  auto r = transport::make_transport(o);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Errc::unavailable);
  CHECK(r.error().message.find("the port is in use") != std::string::npos);
}

TEST_CASE("TLS: the client trusts the server only through the right CA") {
  auto dir = fresh_dir("tls");
  auto make_cert = [&](const std::string& name) {
    std::string cmd = "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost"
                      " -addext subjectAltName=IP:127.0.0.1,DNS:localhost -keyout " +
                      (dir / (name + ".key")).string() + " -out " + (dir / (name + ".pem")).string() + " 2>/dev/null";
    REQUIRE(std::system(cmd.c_str()) == 0);
  };
  make_cert("server");
  make_cert("stranger");
  auto lo = listener_options(dir / "remote.db");
  lo.tls_cert = (dir / "server.pem").string();
  lo.tls_key = (dir / "server.key").string();
  auto l = transport::make_transport(lo).value();
  REQUIRE(l->listen_url().starts_with("https://127.0.0.1:"));
  REQUIRE(l->send(transport::kToLocal, numbered(7)));

  auto co = connector_options(dir / "bad.db", l->listen_url());
  co.tls_ca_file = (dir / "stranger.pem").string();
  auto bad = transport::make_transport(co).value();
  auto r = bad->receive(transport::kToLocal, 100ms);
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("is not trusted") != std::string::npos);

  co = connector_options(dir / "system.db", l->listen_url());  // system store: self-signed is unknown
  auto sys = transport::make_transport(co).value();
  CHECK_FALSE(sys->receive(transport::kToLocal, 100ms));

  co = connector_options(dir / "good.db", l->listen_url());
  co.tls_ca_file = (dir / "server.pem").string();
  auto good = transport::make_transport(co).value();
  auto ok = good->receive(transport::kToLocal, 2s);
  REQUIRE_MESSAGE(ok, ok.error().message);
  REQUIRE(*ok);
  CHECK(number_of(**ok) == 7);
  REQUIRE(good->ack(transport::kToLocal, (*ok)->id));
  REQUIRE(good->send(transport::kToRemote, numbered(8)));
  auto back = l->receive(transport::kToRemote, 3s);
  REQUIRE(back);
  REQUIRE(*back);
  CHECK(number_of(**back) == 8);

  // A plain-http client against the https listener fails in words, not a hang.
  auto plain = client("http://127.0.0.1:" + std::to_string(port_of(l->listen_url())));
  auto p = plain->get("/v1/health", 2s);
  CHECK((!p || p->status != 200));
}

TEST_CASE("a missing TLS file is reported by name") {
  auto dir = fresh_dir("tls-missing");
  auto lo = listener_options(dir / "remote.db");
  lo.tls_cert = (dir / "nope.pem").string();
  lo.tls_key = (dir / "nope.key").string();
  auto r = transport::make_transport(lo);
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("nope.pem") != std::string::npos);
}

TEST_CASE("client URLs are checked and credentials redacted") {
  net::ClientOptions o;
  o.url = "127.0.0.1:80";
  CHECK_FALSE(net::Client::create(o));
  o.url = "https://example.org";
  CHECK(net::Client::create(o).value()->url() == "https://example.org:443");
  CHECK(net::redact_url("http://user:pw@host:1/x") == "http://***@host:1/x");
  CHECK(net::redact_url("http://host:1/a@b") == "http://host:1/a@b");
}
