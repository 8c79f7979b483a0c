#include "fixture.hpp"
#include "lab/proxy/blob_tar.hpp"

#include <doctest/doctest.h>

using namespace lab;
using namespace lab::proxy;
using lab::proxy::testing::tar_of;

namespace {

struct Collected {
  std::vector<std::pair<std::string, std::string>> entries;
  TarSink sink() {
    return TarSink{[this](const std::string& n, std::uint64_t) -> Result<void> {
                     entries.emplace_back(n, "");
                     return {};
                   },
                   [this](std::string_view b) -> Result<void> {
                     entries.back().second.append(b);
                     return {};
                   },
                   []() -> Result<void> { return {}; }};
  }
};

// Feeds `stream` in pieces of `step` bytes.
Result<void> feed_all(TarStreamParser& p, const std::string& stream, std::size_t step) {
  for (std::size_t i = 0; i < stream.size(); i += step)
    if (auto r = p.feed(std::string_view(stream).substr(i, step)); !r) return r;
  return p.finish();
}

}  // namespace

TEST_CASE("proxy blob tar: entries come out whole however the stream is cut") {
  const std::string big(70'000, 'x');
  const auto stream = tar_of({{"a", "hello"}, {"b", ""}, {"c", big}, {"./d", std::string(512, 'y')}});
  for (std::size_t step : {1ul, 7ul, 512ul, 4096ul, stream.size()}) {
    Collected c;
    TarStreamParser p(c.sink());
    auto r = feed_all(p, stream, step);
    REQUIRE_MESSAGE(r, r.error().message);
    CHECK(p.ended());
    REQUIRE(c.entries.size() == 4);
    CHECK(c.entries[0] == std::pair<std::string, std::string>{"a", "hello"});
    CHECK(c.entries[1].second.empty());
    CHECK(c.entries[2].second == big);
    CHECK(c.entries[3].first == "d");  // a leading ./ is dropped
  }
}

TEST_CASE("proxy blob tar: a pax header renames the next entry") {
  std::string stream = tar_of({{"PaxHeader", ""}, {"short", "data"}});
  // Turn the first entry into a pax header carrying "path=long/name".
  const std::string record = "20 path=long/name12\n";
  REQUIRE(record.size() == 20);
  std::string pax = tar_of({{"PaxHeader", record}}).substr(0, 1024);
  pax[156] = 'x';
  std::fill(pax.begin() + 148, pax.begin() + 156, ' ');
  unsigned sum = 0;
  for (int i = 0; i < 512; ++i) sum += static_cast<unsigned char>(pax[static_cast<std::size_t>(i)]);
  std::snprintf(pax.data() + 148, 8, "%06o", sum);
  stream = pax + tar_of({{"short", "data"}});
  Collected c;
  TarStreamParser p(c.sink());
  auto r = feed_all(p, stream, 100);
  REQUIRE_MESSAGE(r, r.error().message);
  REQUIRE(c.entries.size() == 1);
  CHECK(c.entries[0].first == "long/name12");
  CHECK(c.entries[0].second == "data");
}

TEST_CASE("proxy blob tar: damaged and unexpected streams are refused") {
  SUBCASE("bad checksum") {
    auto stream = tar_of({{"a", "hello"}});
    stream[0] = 'z';
    Collected c;
    TarStreamParser p(c.sink());
    auto r = feed_all(p, stream, 512);
    REQUIRE(!r);
    CHECK(r.error().message.find("checksum") != std::string::npos);
    CHECK(!p.feed("more"));  // stays failed
  }
  SUBCASE("a symlink entry") {
    auto stream = tar_of({{"link", ""}});
    stream[156] = '2';
    std::fill(stream.begin() + 148, stream.begin() + 156, ' ');
    unsigned sum = 0;
    for (int i = 0; i < 512; ++i) sum += static_cast<unsigned char>(stream[static_cast<std::size_t>(i)]);
    std::snprintf(stream.data() + 148, 8, "%06o", sum);
    Collected c;
    TarStreamParser p(c.sink());
    auto r = feed_all(p, stream, 512);
    REQUIRE(!r);
    CHECK(r.error().message.find("'link' is not a regular file") != std::string::npos);
  }
  SUBCASE("cut in the middle of an entry") {
    auto stream = tar_of({{"a", std::string(2000, 'q')}});
    Collected c;
    TarStreamParser p(c.sink());
    REQUIRE(p.feed(std::string_view(stream).substr(0, 1000)));
    auto r = p.finish();
    REQUIRE(!r);
    CHECK(r.error().message.find("middle") != std::string::npos);
  }
  SUBCASE("a sink error stops the parse") {
    TarStreamParser p(TarSink{[](const std::string& n, std::uint64_t) -> Result<void> {
                                if (n == "bad") return fail(Errc::invalid_argument, "entry 'bad' is bad");
                                return {};
                              },
                              [](std::string_view) -> Result<void> { return {}; },
                              []() -> Result<void> { return {}; }});
    auto r = feed_all(p, tar_of({{"good", "1"}, {"bad", "2"}}), 512);
    REQUIRE(!r);
    CHECK(r.error().message == "entry 'bad' is bad");
  }
}
