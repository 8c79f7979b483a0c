// net::Client's streamed downloads and uploads, and interrupt() of a blocked long-poll.
#include <doctest/doctest.h>
#include <lab/net/client.hpp>
#include <lab/net/server.hpp>

#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

using namespace lab;
using namespace std::chrono_literals;

namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Fixture {
  fs::path dir = fs::temp_directory_path() / ("lab-client-stream-" + std::to_string(::getpid()));
  std::unique_ptr<net::Server> server;
  std::string big;          // served by GET /big
  std::string received;     // the body of the last PUT /up
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;     // ends GET /hang

  Fixture() {
    fs::remove_all(dir);
    fs::create_directories(dir);
    for (int i = 0; big.size() < (3u << 20); ++i) big += "chunk " + std::to_string(i) + "\n";
    net::ServerOptions o;
    o.token = "t";
    o.max_body_bytes = 16u << 20;
    server = net::Server::create(o).value();
    server->route("GET", "/big", [this](const net::Request&) { return net::Response{200, big, "application/octet-stream"}; });
    server->route("GET", "/missing", [](const net::Request&) { return net::json_error(404, "not_found", "no such bundle"); });
    server->route("PUT", "/up", [this](const net::Request& r) {
      std::lock_guard lock(mu);
      received = r.body;
      return net::Response{200, "{}", "application/json"};
    });
    server->route("GET", "/hang", [this](const net::Request&) {
      std::unique_lock lock(mu);
      cv.wait_for(lock, 20s, [&] { return release; });
      return net::Response{200, "{}", "application/json"};
    });
    REQUIRE(server->start());
  }
  ~Fixture() {
    {
      std::lock_guard lock(mu);
      release = true;
      cv.notify_all();
    }
    server->stop();
    fs::remove_all(dir);
  }
  std::unique_ptr<net::Client> client() {
    net::ClientOptions o;
    o.url = server->url();
    o.token = "t";
    return net::Client::create(o).value();
  }
};

}  // namespace

TEST_CASE("download writes a 2xx body to the file and keeps other bodies for the error report") {
  Fixture f;
  auto c = f.client();
  auto r = c->download("/big", f.dir / "big.bin");
  REQUIRE_MESSAGE(r, r.error().message);
  CHECK(r->status == 200);
  CHECK(r->body.empty());
  CHECK(slurp(f.dir / "big.bin") == f.big);

  auto missing = c->download("/missing", f.dir / "missing.bin");
  REQUIRE(missing);
  CHECK(missing->status == 404);
  CHECK(net::error_text(*missing) == "no such bundle");
  CHECK_FALSE(fs::exists(f.dir / "missing.bin"));

  auto unwritable = c->download("/big", f.dir / "no-such-folder" / "x.bin");
  REQUIRE_FALSE(unwritable);
  CHECK(unwritable.error().code == Errc::io);
}

TEST_CASE("put_file streams the file with a Content-Length the server accepts") {
  Fixture f;
  std::ofstream(f.dir / "up.bin", std::ios::binary) << f.big;
  auto c = f.client();
  auto r = c->put_file("/up", f.dir / "up.bin");
  REQUIRE_MESSAGE(r, r.error().message);
  CHECK(r->status == 200);
  std::lock_guard lock(f.mu);
  CHECK(f.received == f.big);
  auto none = c->put_file("/up", f.dir / "absent.bin");
  REQUIRE_FALSE(none);
  CHECK(none.error().code == Errc::io);
}

TEST_CASE("interrupt ends a blocked request at once and refuses later ones") {
  Fixture f;
  auto c = f.client();
  std::atomic<bool> returned{false};
  Result<net::HttpResponse> r;
  auto t0 = std::chrono::steady_clock::now();
  std::thread t([&] {
    r = c->get("/hang", 30s);
    returned = true;
  });
  std::this_thread::sleep_for(200ms);
  CHECK_FALSE(returned);
  c->interrupt();
  t.join();
  CHECK(std::chrono::steady_clock::now() - t0 < 5s);
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("interrupted") != std::string::npos);
  auto later = c->post("/up", "{}");
  REQUIRE_FALSE(later);
  CHECK(later.error().message.find("interrupted") != std::string::npos);
  CHECK(c->interrupted());
}

TEST_CASE("interrupt at the moment a request starts still ends it") {
  Fixture f;
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 10; ++i) {
    auto c = f.client();
    Result<net::HttpResponse> r;
    std::thread t([&] { r = c->get("/hang", 30s); });
    if (i % 2) std::this_thread::sleep_for(std::chrono::milliseconds(i));
    c->interrupt();
    t.join();
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("interrupted") != std::string::npos);
  }
  CHECK(std::chrono::steady_clock::now() - t0 < 10s);
}
