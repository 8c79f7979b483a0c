// lab::s3::Client against a real S3 server (OpenStack Swift's s3api, which checks SigV4
// itself). Run by tests/s3/run-live.sh, which starts the server and sets S3_ENDPOINT,
// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and LAB_S3_BUCKET.
#include <doctest/doctest.h>

#include <lab/s3/client.hpp>
#include <lab/s3/sigv4.hpp>

#include "s3/live_env.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <sstream>
#include <mutex>
#include <thread>

namespace fs = std::filesystem;
using namespace lab::s3;

namespace {

S3Options live_options() {
  S3Options o;
  o.endpoint = lab::testing::live_env("S3_ENDPOINT");
  o.bucket = lab::testing::live_env("LAB_S3_BUCKET");
  o.prefix = "live-" + std::to_string(std::random_device{}()) + "/";
  o.apply_env_fallback();
  return o;
}

Tuning small_tuning() {
  Tuning t;
  t.multipart_threshold = 6 << 20;
  t.part_size = 5 << 20;
  t.parallel_parts = 3;
  t.backoff_base_ms = 10;
  return t;
}

std::unique_ptr<Client> make(S3Options o, Tuning t = small_tuning(), lab::sys::Clock* clock = nullptr) {
  auto c = Client::create(std::move(o), t, clock);
  REQUIRE_MESSAGE(c.has_value(), (c ? "" : c.error().message));
  return std::move(*c);
}

std::string random_bytes(std::size_t n, unsigned seed) {
  std::string s(n, '\0');
  std::mt19937 rng(seed);
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

fs::path temp_dir() {
  fs::path d = fs::temp_directory_path() / ("lab-s3-live-" + std::to_string(::getpid()));
  fs::create_directories(d);
  return d;
}

void write_file(const fs::path& p, const std::string& data) {
  std::ofstream(p, std::ios::binary) << data;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string get_string(Client& c, std::string_view key, std::optional<ByteRange> r = std::nullopt) {
  std::string out;
  auto n = c.get(key, [&](const char* d, std::size_t k) { out.append(d, k); return true; }, r);
  REQUIRE_MESSAGE(n.has_value(), (n ? "" : n.error().message));
  CHECK(*n == out.size());
  return out;
}

const std::vector<std::string> kOddKeys = {
    "plain.txt", "dir/with space.txt", "uni/\xc3\xbcn\xc3\xaf\x63\xc3\xb8\x64\xc3\xa9-\xc3\x9f-\xf0\x9f\x98\x80",
    "sym/a+b=c&d%e", "sym/semi;colon,comma!*'()$@", "deep//double/./dot/../x", "tilde~under_score-dash.x"};

}  // namespace

TEST_CASE("s3 live: put, head, get, list and delete keep odd keys byte for byte") {
  auto c = make(live_options());
  fs::path dir = temp_dir();
  for (std::size_t i = 0; i < kOddKeys.size(); ++i) {
    CAPTURE(kOddKeys[i]);
    std::string data = random_bytes(1000 + i * 37, static_cast<unsigned>(i));
    write_file(dir / "in", data);
    auto put = c->put_file(kOddKeys[i], dir / "in");
    REQUIRE_MESSAGE(put.has_value(), (put ? "" : put.error().message));
    auto h = c->head(kOddKeys[i]);
    REQUIRE_MESSAGE(h.has_value(), (h ? "" : h.error().message));
    CHECK(h->size == data.size());
    CHECK(get_string(*c, kOddKeys[i]) == data);
    auto n = c->get_to_file(kOddKeys[i], dir / "out");
    REQUIRE(n.has_value());
    CHECK(read_file(dir / "out") == data);
  }
  auto all = c->list("");
  REQUIRE(all.has_value());
  std::set<std::string> listed;
  for (const auto& o : *all) listed.insert(o.key);
  CHECK(listed == std::set<std::string>(kOddKeys.begin(), kOddKeys.end()));
  for (const auto& k : kOddKeys) {
    REQUIRE(c->remove(k).has_value());
    auto h = c->head(k);
    REQUIRE_FALSE(h.has_value());
    CHECK(h.error().code == lab::Errc::not_found);
    auto g = c->get(k, [](const char*, std::size_t) { return true; });
    REQUIRE_FALSE(g.has_value());
    CHECK(g.error().code == lab::Errc::not_found);
  }
  CHECK(c->remove("never-there").has_value());
  fs::remove_all(dir);
}

TEST_CASE("s3 live: byte ranges, empty objects and streams") {
  auto c = make(live_options());
  std::string data = random_bytes(100000, 7);
  std::istringstream in(data);
  REQUIRE(c->put_stream("r", in, data.size()).has_value());
  CHECK(get_string(*c, "r", ByteRange{5, 10}) == data.substr(5, 10));
  CHECK(get_string(*c, "r", ByteRange{99990, std::nullopt}) == data.substr(99990));
  CHECK(get_string(*c, "r", ByteRange{0, 1}) == data.substr(0, 1));
  auto past = c->get("r", [](const char*, std::size_t) { return true; }, ByteRange{200000, 5});
  REQUIRE_FALSE(past.has_value());
  CHECK(past.error().code == lab::Errc::invalid_argument);
  std::istringstream empty;
  REQUIRE(c->put_stream("empty", empty, 0).has_value());
  CHECK(c->head("empty")->size == 0);
  CHECK(get_string(*c, "empty").empty());
  std::istringstream short_in("abc");
  auto short_put = c->put_stream("short", short_in, 10);
  REQUIRE_FALSE(short_put.has_value());
  CHECK(short_put.error().code == lab::Errc::io);
  CHECK(c->head("short").error().code == lab::Errc::not_found);
  for (auto k : {"r", "empty"}) CHECK(c->remove(k).has_value());
}

TEST_CASE("s3 live: listing pages through continuation tokens") {
  auto c = make(live_options());
  for (int i = 0; i < 7; ++i) {
    std::istringstream in("x");
    REQUIRE(c->put_stream("p/k" + std::to_string(i), in, 1).has_value());
  }
  std::istringstream other("y");
  REQUIRE(c->put_stream("q/other", other, 1).has_value());
  std::vector<std::string> keys;
  std::string token;
  int pages = 0;
  do {
    auto page = c->list_page("p/", token, 3);
    REQUIRE_MESSAGE(page.has_value(), (page ? "" : page.error().message));
    CHECK(page->objects.size() <= 3);
    for (auto& o : page->objects) keys.push_back(o.key);
    token = page->next_token;
    ++pages;
  } while (!token.empty() && pages < 10);
  CHECK(pages == 3);
  CHECK(keys == std::vector<std::string>{"p/k0", "p/k1", "p/k2", "p/k3", "p/k4", "p/k5", "p/k6"});
  for (int i = 0; i < 7; ++i) CHECK(c->remove("p/k" + std::to_string(i)).has_value());
  CHECK(c->remove("q/other").has_value());
}

TEST_CASE("s3 live: multipart uploads of files and streams in parallel parts") {
  auto c = make(live_options());
  fs::path dir = temp_dir();
  std::string data = random_bytes((12 << 20) + 12345, 42);  // 3 parts of 5 MiB, the last short
  write_file(dir / "big", data);
  auto put = c->put_file("big", dir / "big");
  REQUIRE_MESSAGE(put.has_value(), (put ? "" : put.error().message));
  auto h = c->head("big");
  REQUIRE(h.has_value());
  CHECK(h->size == data.size());
  CHECK(h->etag.find("-3") != std::string::npos);  // S3's multipart ETag: "<md5 of md5s>-<parts>"
  auto back = c->get_to_file("big", dir / "back");
  REQUIRE_MESSAGE(back.has_value(), (back ? "" : back.error().message));
  CHECK(sha256_hex(read_file(dir / "back")) == sha256_hex(data));
  CHECK(get_string(*c, "big", ByteRange{(5 << 20) - 3, 6}) == data.substr((5 << 20) - 3, 6));
  std::istringstream in(data);
  REQUIRE(c->put_stream("big-stream", in, data.size()).has_value());
  CHECK(sha256_hex(get_string(*c, "big-stream")) == sha256_hex(data));
  // A stream that ends early fails the upload; the upload is aborted, no object appears.
  std::istringstream cut(data.substr(0, 7 << 20));
  auto bad = c->put_stream("big-cut", cut, data.size());
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().code == lab::Errc::io);
  CHECK(c->head("big-cut").error().code == lab::Errc::not_found);
  for (auto k : {"big", "big-stream"}) CHECK(c->remove(k).has_value());
  fs::remove_all(dir);
}

TEST_CASE("s3 live: concurrent calls from several threads share one client") {
  auto c = make(live_options());
  std::vector<std::jthread> threads;
  std::atomic<int> good{0};
  std::mutex mu;
  std::string first_error;  // guarded by mu
  auto note = [&](const lab::Error& e) {
    std::lock_guard lock(mu);
    if (first_error.empty()) first_error = e.message;
  };
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      std::string data = random_bytes(50000, 100 + t);
      for (int i = 0; i < 3; ++i) {
        std::string key = "t" + std::to_string(t) + "/" + std::to_string(i);
        std::istringstream in(data);
        if (auto r = c->put_stream(key, in, data.size()); !r) return note(r.error());
        std::string back;
        auto g = c->get(key, [&](const char* d, std::size_t n) { back.append(d, n); return true; });
        if (!g) return note(g.error());
        if (back != data) return note({lab::Errc::corrupt, "different bytes came back for " + key});
        if (auto r = c->remove(key); !r) return note(r.error());
      }
      ++good;
    });
  threads.clear();
  CHECK_MESSAGE(good == 4, first_error);
}

TEST_CASE("s3 live: a wrong secret is refused in words that point at the config, without the secret") {
  S3Options o = live_options();
  o.secret_key = "not-the-secret-xyz";
  auto c = make(o);
  auto h = c->head("anything");
  REQUIRE_FALSE(h.has_value());
  CHECK(h.error().code == lab::Errc::unauthenticated);
  auto l = c->list("");
  REQUIRE_FALSE(l.has_value());
  CHECK(l.error().code == lab::Errc::unauthenticated);
  CHECK(l.error().message.find("refused the access key 'test:tester'") != std::string::npos);
  CHECK(l.error().message.find("check [storage] in remote.toml") != std::string::npos);
  CHECK(l.error().message.find("not-the-secret-xyz") == std::string::npos);
  std::istringstream in("abc");
  auto p = c->put_stream("x", in, 3);
  REQUIRE_FALSE(p.has_value());
  CHECK(p.error().message.find("the secret key does not match") != std::string::npos);
  CHECK(c->describe().find("not-the-secret-xyz") == std::string::npos);
}

TEST_CASE("s3 live: a missing bucket is told apart from a missing key") {
  S3Options o = live_options();
  o.bucket = "no-such-bucket-here";
  auto c = make(o);
  auto h = c->head("k");
  REQUIRE_FALSE(h.has_value());
  CHECK(h.error().code == lab::Errc::unavailable);
  CHECK(h.error().message.find("bucket 'no-such-bucket-here' does not exist") != std::string::npos);
  auto l = c->list("");
  REQUIRE_FALSE(l.has_value());
  CHECK(l.error().code == lab::Errc::unavailable);
  CHECK(l.error().message.find("does not exist") != std::string::npos);
}

TEST_CASE("s3 live: a server that is down gives a clear error after a few quick retries") {
  S3Options o = live_options();
  o.endpoint = "http://127.0.0.1:" + lab::testing::live_env("LAB_S3_DEAD_PORT");
  Tuning t = small_tuning();
  t.max_attempts = 2;
  auto c = make(o, t);
  auto h = c->head("k");
  REQUIRE_FALSE(h.has_value());
  CHECK(h.error().code == lab::Errc::unavailable);
  CHECK(h.error().message.find("cannot reach the storage at http://127.0.0.1:") != std::string::npos);
  CHECK(h.error().message.find("tried 2 times") != std::string::npos);
}

TEST_CASE("s3 live: a clock an hour off is reported as a clock problem with the size of the skew") {
  lab::sys::FakeClock ahead(lab::sys::real_clock().now_ms() + 61 * 60 * 1000);
  auto c = make(live_options(), small_tuning(), &ahead);
  auto l = c->list("");
  REQUIRE_FALSE(l.has_value());
  CHECK(l.error().message.find("this machine's clock is 61 minutes ahead of the storage's") != std::string::npos);
}

TEST_CASE("s3 live: a presigned URL is accepted by the server") {
  auto c = make(live_options());
  std::istringstream in("presigned body");
  REQUIRE(c->put_stream("pre sign+d", in, 14).has_value());
  std::string url = c->presigned_get_url("pre sign+d", 300);
  fs::path out = temp_dir() / "presigned";
  std::string cmd = "curl -sf -o '" + out.string() + "' '" + url + "'";
  CHECK(std::system(cmd.c_str()) == 0);
  CHECK(read_file(out) == "presigned body");
  CHECK(c->remove("pre sign+d").has_value());
}
