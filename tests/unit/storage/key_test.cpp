#include <doctest/doctest.h>

#include <lab/storage/key.hpp>
#include <string>
#include <vector>

using namespace lab;
using namespace lab::storage;

TEST_CASE("validate_key accepts what S3 needs") {
  std::string long_key;  // exactly kMaxKeyBytes: "x/x/.../xx"
  for (std::size_t i = 0; i < kMaxKeyBytes / 2 - 1; ++i) long_key += "x/";
  long_key += "xx";
  REQUIRE(long_key.size() == kMaxKeyBytes);
  std::string segments = std::string(kMaxSegmentBytes, 'a') + "/" + std::string(kMaxSegmentBytes, 'b');
  for (const std::string& k : std::vector<std::string>{"a", "projects/blobs/ab/abcdef", "with space/file name.txt", "caf\xc3\xa9/\xf0\x9f\x98\x80",
                        "a+b=c&d%20e?f", ".hidden/x", "..x/y..", long_key, segments}) {
    CHECK_MESSAGE(validate_key(k).has_value(), k);
  }
}

TEST_CASE("validate_key refuses keys that could escape or confuse, naming the rule") {
  struct Bad {
    std::string key;
    const char* rule;
  };
  for (const auto& [key, rule] : std::vector<Bad>{{"", "empty"},
                                                  {"/etc/passwd", "starts with '/'"},
                                                  {"a//b", "empty segment"},
                                                  {"a/", "empty segment"},
                                                  {"a/../b", "'..'"},
                                                  {"./a", "'.'"},
                                                  {std::string("a\0b", 3), "control character"},
                                                  {"a\tb", "control character"},
                                                  {"\xc3\x28", "UTF-8"},
                                                  {"\xed\xa0\x80", "UTF-8"},  // a UTF-16 surrogate
                                                  {"\xc0\xaf", "UTF-8"},      // overlong '/'
                                                  {std::string(kMaxKeyBytes + 1, 'a'), "limit"},
                                                  {std::string(kMaxSegmentBytes + 1, 'a'), "segment"},
                                                  {"x/.lab-tmp-1", "reserved"}}) {
    auto r = validate_key(key);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == Errc::invalid_argument);
    CHECK_MESSAGE(r.error().message.find(rule) != std::string::npos, r.error().message);
  }
}
