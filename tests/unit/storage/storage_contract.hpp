// The storage contract (docs/storage.md), written once against the interface. A backend's
// test file builds a StorageHarness and calls each check from its own TEST_CASEs.
#pragma once

#include <doctest/doctest.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <fstream>
#include <functional>
#include <lab/storage/storage.hpp>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>

namespace lab::storage::contract {

namespace fs = std::filesystem;

struct StorageHarness {
  std::function<std::unique_ptr<Storage>()> open;  // a fresh, empty store on each call
  std::function<void()> break_store;               // makes the last opened store fail, not just be empty
  fs::path scratch;                                // a local folder the checks may use for files
};

template <class R>
std::string why(const R& r) {
  return r.has_value() ? std::string() : r.error().message;
}

inline ReadFn read_string(const std::string& data, std::size_t chunk = 7) {
  auto pos = std::make_shared<std::size_t>(0);
  return [data, chunk, pos](std::span<std::byte> buf) -> Result<std::size_t> {
    std::size_t n = std::min({buf.size(), chunk, data.size() - *pos});
    std::memcpy(buf.data(), data.data() + *pos, n);
    *pos += n;
    return n;
  };
}

inline Result<std::string> get_string(Storage& s, std::string_view key, std::optional<ByteRange> range = {}) {
  std::string out;
  auto r = s.get_stream(
      key,
      [&](std::span<const std::byte> c) -> Result<void> {
        out.append(reinterpret_cast<const char*>(c.data()), c.size());
        return {};
      },
      range);
  if (!r) return std::unexpected(r.error());
  return out;
}

inline void check_every_operation(const StorageHarness& h) {
  auto s = h.open();
  std::string data = "line one\nline two\n" + std::string(200000, 'x');
  auto put = s->put_stream("a/b/c.txt", read_string(data, 4096), data.size());
  REQUIRE_MESSAGE(put.has_value(), why(put));
  CHECK(s->exists("a/b/c.txt") == true);
  CHECK(s->size("a/b/c.txt") == data.size());
  CHECK(get_string(*s, "a/b/c.txt") == data);
  {
    std::ofstream(h.scratch / "in.bin", std::ios::binary) << "from a file";
    REQUIRE(s->put_file("f", h.scratch / "in.bin"));
    REQUIRE(s->get_file("f", h.scratch / "out.bin"));
    std::stringstream ss;
    ss << std::ifstream(h.scratch / "out.bin", std::ios::binary).rdbuf();
    CHECK(ss.str() == "from a file");
  }
  REQUIRE(s->put_stream("a/b/c.txt", read_string("replaced")));  // replace
  CHECK(get_string(*s, "a/b/c.txt") == "replaced");
  REQUIRE(s->put_stream("empty", read_string(""), 0));
  CHECK(s->size("empty") == 0u);
  CHECK(get_string(*s, "empty") == "");
  REQUIRE(s->remove("a/b/c.txt"));
  CHECK(s->exists("a/b/c.txt") == false);
  CHECK(s->remove("a/b/c.txt"));  // idempotent
}

inline void check_not_found_is_not_failure(const StorageHarness& h) {
  auto s = h.open();
  REQUIRE(s->put_stream("dir/obj", read_string("x")));
  CHECK(s->exists("nope") == false);
  CHECK(s->exists("dir") == false);  // a prefix is not an object
  CHECK(s->exists("dir/obj/deeper") == false);
  auto size = s->size("nope");
  REQUIRE_FALSE(size.has_value());
  CHECK(size.error().code == Errc::not_found);
  bool called = false;
  auto get = s->get_stream("nope", [&](std::span<const std::byte>) -> Result<void> {
    called = true;
    return {};
  });
  REQUIRE_FALSE(get.has_value());
  CHECK(get.error().code == Errc::not_found);
  CHECK_FALSE(called);
  auto file = s->get_file("nope", h.scratch / "never");
  CHECK(file.error().code == Errc::not_found);
  CHECK_FALSE(fs::exists(h.scratch / "never"));

  h.break_store();
  auto broken = s->exists("dir/obj");
  REQUIRE_FALSE(broken.has_value());
  CHECK(broken.error().code != Errc::not_found);
  auto broken_size = s->size("nope");
  REQUIRE_FALSE(broken_size.has_value());
  CHECK(broken_size.error().code != Errc::not_found);
  CHECK_FALSE(s->list("").has_value());
  CHECK_FALSE(s->put_stream("new", read_string("x")).has_value());
}

inline void check_ranges(const StorageHarness& h) {
  auto s = h.open();
  std::string data = "0123456789abcdefghij";
  REQUIRE(s->put_stream("r", read_string(data)));
  CHECK(get_string(*s, "r", ByteRange{0, 4}) == "0123");
  CHECK(get_string(*s, "r", ByteRange{10, 5}) == "abcde");
  CHECK(get_string(*s, "r", ByteRange{15, std::nullopt}) == "fghij");
  CHECK(get_string(*s, "r", ByteRange{18, 100}) == "ij");    // clipped at the end
  CHECK(get_string(*s, "r", ByteRange{20, 5}) == "");        // at the end
  CHECK(get_string(*s, "r", ByteRange{1000, 5}) == "");      // past the end
  CHECK(get_string(*s, "r", ByteRange{3, 0}) == "");
  REQUIRE(s->get_file("r", h.scratch / "range.out", ByteRange{5, 3}));
  std::stringstream ss;
  ss << std::ifstream(h.scratch / "range.out", std::ios::binary).rdbuf();
  CHECK(ss.str() == "567");
}

inline void check_paging(const StorageHarness& h) {
  auto s = h.open();
  std::vector<std::string> keys;
  for (int i = 0; i < 57; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "p/%02d/item-%d", i % 7, i);
    keys.push_back(name);
    REQUIRE(s->put_stream(keys.back(), read_string(std::string(static_cast<std::size_t>(i), 'z'))));
  }
  REQUIRE(s->put_stream("other/x", read_string("x")));
  REQUIRE(s->put_stream("p0", read_string("x")));  // starts with "p" but not "p/"
  std::sort(keys.begin(), keys.end());
  std::vector<std::string> seen;
  std::string token;
  int pages = 0;
  do {
    auto page = s->list("p/", token, 10);
    REQUIRE_MESSAGE(page.has_value(), why(page));
    CHECK(page->objects.size() <= 10);
    for (const auto& o : page->objects) {
      seen.push_back(o.key);
      CHECK(o.size == std::stoul(o.key.substr(o.key.rfind('-') + 1)));
    }
    token = page->next_token;
    // A key added behind the cursor mid-listing must not disturb the pages ahead.
    if (pages == 1) REQUIRE(s->put_stream("p/00/aaa-first", read_string("")));
    ++pages;
  } while (!token.empty());
  CHECK(seen == keys);
  CHECK(pages == 6);
  auto partial = s->list("p/0", "", 0);  // a prefix need not end at a '/'
  REQUIRE(partial.has_value());
  CHECK(partial->objects.size() == 58);
  auto all = s->list("");
  REQUIRE(all.has_value());
  CHECK(all->objects.size() == 60);  // 57 + aaa-first + other/x + p0
  CHECK(std::is_sorted(all->objects.begin(), all->objects.end(),
                       [](const auto& a, const auto& b) { return a.key < b.key; }));
  auto none = s->list("zzz/");
  REQUIRE(none.has_value());
  CHECK(none->objects.empty());
  CHECK(none->next_token.empty());
}

inline void check_odd_and_invalid_keys(const StorageHarness& h) {
  auto s = h.open();
  std::vector<std::string> odd{"with space/a b.txt", "caf\xc3\xa9/\xe6\x95\xb0\xe6\x8d\xae", "sym+=&%?.bin",
                               "..dots../x..y", std::string(200, 'k') + "/" + std::string(250, 'v')};
  for (const auto& k : odd) {
    REQUIRE_MESSAGE(s->put_stream(k, read_string(k)), k);
    CHECK(get_string(*s, k) == k);
  }
  auto listed = s->list("");
  REQUIRE(listed.has_value());
  CHECK(listed->objects.size() == odd.size());
  std::vector<std::string> bad{"", "/abs", "a//b", "a/", "./a", "a/../b", "..", std::string("nul\0x", 5),
                               "ctl\nx", "bad\xff utf8", std::string(1025, 'a'), std::string(256, 's'),
                               "a/.lab-tmp-1"};
  for (const auto& k : bad) {
    auto r = s->put_stream(k, read_string("x"));
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == Errc::invalid_argument);
    CHECK(s->exists(k).error().code == Errc::invalid_argument);
    CHECK(s->remove(k).error().code == Errc::invalid_argument);
  }
}

inline void check_failed_put_leaves_nothing(const StorageHarness& h) {
  auto s = h.open();
  REQUIRE(s->put_stream("keep", read_string("old version")));
  int calls = 0;
  ReadFn dies = [&](std::span<std::byte> buf) -> Result<std::size_t> {
    if (++calls > 3) return fail(Errc::unavailable, "client went away");
    std::memset(buf.data(), 'n', 100);
    return 100;
  };
  auto r = s->put_stream("keep", dies);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == Errc::unavailable);
  CHECK(get_string(*s, "keep") == "old version");
  calls = 0;
  CHECK_FALSE(s->put_stream("fresh", dies).has_value());
  CHECK(s->exists("fresh") == false);
  auto short_read = s->put_stream("short", read_string("abc"), 10);
  REQUIRE_FALSE(short_read.has_value());
  CHECK(short_read.error().code == Errc::invalid_argument);
  CHECK(s->exists("short") == false);
  auto listed = s->list("");
  REQUIRE(listed.has_value());
  REQUIRE(listed->objects.size() == 1);
  CHECK(listed->objects[0].key == "keep");
}

// Writers replace one key over and over while readers read it: every read is one whole
// version, never a mix or a prefix.
inline void check_concurrent_readers_see_whole_objects(const StorageHarness& h) {
  auto s = h.open();
  auto version = [](int v) { return std::string(150000, static_cast<char>('a' + v % 26)); };
  REQUIRE(s->put_stream("hot", read_string(version(0), 8192)));
  std::atomic<bool> stop{false};
  std::atomic<int> bad{0}, reads{0};
  std::mutex first_mu;
  std::string first;  // what went wrong first, guarded by first_mu
  auto failed = [&](const std::string& what) {
    if (bad++ > 0) return;
    std::lock_guard lock(first_mu);
    first = what;
  };
  std::vector<std::thread> threads;
  for (int w = 0; w < 2; ++w) {
    threads.emplace_back([&, w] {
      for (int v = 1 + w; v < 40; v += 2) {
        if (auto r = s->put_stream("hot", read_string(version(v), 8192)); !r) failed("put: " + r.error().message);
      }
    });
  }
  for (int r = 0; r < 2; ++r) {
    threads.emplace_back([&] {
      while (!stop) {
        auto got = get_string(*s, "hot");
        if (!got) failed("get: " + got.error().message);
        else if (got->size() != 150000 || got->find_first_not_of(got->front()) != std::string::npos)
          failed("get: " + std::to_string(got->size()) + " bytes, not one whole version");
        reads++;
      }
    });
  }
  threads[0].join();
  threads[1].join();
  stop = true;
  threads[2].join();
  threads[3].join();
  INFO("first failure: " << first);
  CHECK(bad == 0);
  CHECK(reads > 0);
  auto listed = s->list("");
  REQUIRE(listed.has_value());
  CHECK(listed->objects.size() == 1);
}

}  // namespace lab::storage::contract
