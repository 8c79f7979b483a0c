#include <doctest/doctest.h>
#include "lab/worker/log_shipper.hpp"

#include <atomic>
#include <mutex>

using namespace lab;
using namespace lab::worker;
using namespace std::chrono_literals;

namespace {

struct Posts {
  std::mutex mu;
  std::vector<std::pair<std::uint64_t, std::string>> seen;  // every post, answered or not
  int fail_next = 0;                                        // answer this many with 500
  int status_after = 200;
  PostBatch fn() {
    return [this](std::uint64_t offset, const std::string& data) -> Result<net::HttpResponse> {
      std::lock_guard lock(mu);
      seen.emplace_back(offset, data);
      if (fail_next > 0) {
        --fail_next;
        return fail(Errc::unavailable, "cannot reach http://127.0.0.1:1 (connection refused or unreachable)");
      }
      return net::HttpResponse{status_after, "{}"};
    };
  }
};

ShipperOptions fast() {
  ShipperOptions o;
  o.interval = 10ms;
  o.batch_bytes = 64;
  o.retry_first = 5ms;
  o.retry_max = 20ms;
  return o;
}

}  // namespace

TEST_CASE("batches are whole lines with contiguous offsets; a failed batch is resent unchanged") {
  Posts posts;
  posts.fail_next = 2;
  LogShipper shipper(posts.fn(), fast(), nullptr, nullptr);
  std::string all;
  for (int i = 0; i < 50; ++i) {
    std::string line = "line number " + std::to_string(i) + "\n";
    all += line;
    shipper.add(line);
  }
  shipper.start();
  CHECK(shipper.finish());
  CHECK(shipper.sent_bytes() == all.size());
  std::string joined;
  std::uint64_t expected = 0;
  REQUIRE(posts.seen.size() >= 4);
  CHECK(posts.seen[0] == posts.seen[1]);  // the failed post again, same offset and bytes
  CHECK(posts.seen[1] == posts.seen[2]);
  for (std::size_t i = 2; i < posts.seen.size(); ++i) {
    auto& [offset, data] = posts.seen[i];
    CHECK(offset == expected);
    CHECK(data.back() == '\n');
    CHECK(data.size() <= 64);
    expected += data.size();
    joined += data;
  }
  CHECK(joined == all);
}

TEST_CASE("a 409 stops the shipper and calls on_gone; finish reports it") {
  Posts posts;
  posts.status_after = 409;
  std::atomic<int> gone{0};
  LogShipper shipper(posts.fn(), fast(), [&] { ++gone; }, nullptr);
  shipper.add("a\n");
  shipper.start();
  CHECK_FALSE(shipper.finish());
  CHECK(gone == 1);
}

TEST_CASE("the opening call runs first; when it says no, nothing is sent") {
  Posts posts;
  LogShipper shipper(posts.fn(), fast(), nullptr, nullptr);
  shipper.add("a\n");
  shipper.start([] { return false; });
  CHECK_FALSE(shipper.finish());
  CHECK(posts.seen.empty());
}

TEST_CASE("bytes that are not UTF-8 are replaced before they are counted") {
  CHECK(sanitize_utf8("plain") == "plain");
  CHECK(sanitize_utf8("caf\xC3\xA9") == "caf\xC3\xA9");
  CHECK(sanitize_utf8("bad\xFF!") == "bad\xEF\xBF\xBD!");
  CHECK(sanitize_utf8("cut\xE2\x82") == "cut\xEF\xBF\xBD\xEF\xBF\xBD");
  CHECK(sanitize_utf8("\xC0\xAF") == "\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong '/'
  CHECK(sanitize_utf8("\xED\xA0\x80") == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // a surrogate
  Posts posts;
  LogShipper shipper(posts.fn(), fast(), nullptr, nullptr);
  shipper.add("x\xFFy\n");
  CHECK(shipper.finish());
  CHECK(shipper.sent_bytes() == 6);
}
