#include "fixture.hpp"

#include <lab/ledger/blobs.hpp>

#include <chrono>

using namespace lab;
using namespace lab::ledger;

TEST_CASE("put_blob records a blob once and refreshes its last use") {
  testing::Fixture f;
  REQUIRE(put_blob(*f.db, "xxh128:aa", 10, 100));
  REQUIRE(put_blob(*f.db, "xxh128:aa", 10, 200));
  REQUIRE(put_blob(*f.db, "xxh128:aa", 10, 150));  // an older use does not move it back
  auto e = find_blob(*f.db, "xxh128:aa").value();
  REQUIRE(e);
  CHECK(e->size == 10);
  CHECK(e->stored_at_ms == 100);
  CHECK(e->last_used_at_ms == 200);
  CHECK_FALSE(find_blob(*f.db, "xxh128:bb").value());
  auto clash = put_blob(*f.db, "xxh128:aa", 11, 300);
  REQUIRE_FALSE(clash);
  CHECK(clash.error().code == Errc::corrupt);
  CHECK(put_blob(*f.db, "has space", 1, 1).error().code == Errc::invalid_argument);
  CHECK(put_blob(*f.db, "x\"y", 1, 1).error().code == Errc::invalid_argument);
  CHECK(put_blob(*f.db, "ok", -1, 1).error().code == Errc::invalid_argument);
}

TEST_CASE("missing_blobs answers for a list in order, without repeats") {
  testing::Fixture f;
  REQUIRE(put_blob(*f.db, "b", 1, 1));
  REQUIRE(put_blob(*f.db, "d", 1, 1));
  const std::vector<std::string> ask = {"e", "b", "a", "e", "d", "c"};
  CHECK(missing_blobs(*f.db, ask).value() == std::vector<std::string>{"e", "a", "c"});
  CHECK(missing_blobs(*f.db, std::vector<std::string>{}).value().empty());
  const std::vector<std::string> bad = {"a", "no\"quote"};
  CHECK(missing_blobs(*f.db, bad).error().code == Errc::invalid_argument);
}

TEST_CASE("missing_blobs handles thousands of hashes in one quick query") {
  testing::Fixture f;
  std::vector<std::string> ask;
  REQUIRE(f.db->transaction([&](Db& tx) -> Result<void> {
    for (int i = 0; i < 20000; ++i) {
      std::string h = "xxh128:" + std::to_string(1'000'000'000 + i) + "0123456789abcdef";
      if (i % 2 == 0)
        if (auto r = put_blob(tx, h, i, 1); !r) return r;
      ask.push_back(std::move(h));
    }
    return {};
  }));
  const auto t0 = std::chrono::steady_clock::now();
  auto missing = missing_blobs(*f.db, ask).value();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  REQUIRE(missing.size() == 10000);
  CHECK(missing.front() == ask[1]);
  CHECK(missing.back() == ask.back());
  MESSAGE("missing_blobs over 20000 hashes took " << ms << " ms");
  CHECK(ms < 1000);
}

TEST_CASE("blobs unused for a while are listed oldest first and can be forgotten") {
  testing::Fixture f;
  REQUIRE(put_blob(*f.db, "old", 1, 10));
  REQUIRE(put_blob(*f.db, "older", 1, 5));
  REQUIRE(put_blob(*f.db, "new", 1, 100));
  const std::vector<std::string> used = {"old", "absent"};
  CHECK(touch_blobs(*f.db, used, 200).value() == 1);
  auto stale = blobs_unused_since(*f.db, 150, 10).value();
  REQUIRE(stale.size() == 2);
  CHECK(stale[0].hash == "older");
  CHECK(stale[1].hash == "new");
  CHECK(forget_blob(*f.db, "older").value());
  CHECK_FALSE(forget_blob(*f.db, "older").value());
  CHECK(blobs_unused_since(*f.db, 150, 10).value().size() == 1);
}
