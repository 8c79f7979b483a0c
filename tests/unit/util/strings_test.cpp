#include <doctest/doctest.h>
#include <lab/util/strings.hpp>

using namespace lab::util;

TEST_CASE("split keeps empty fields") {
  CHECK(split("a,,b", ',') == std::vector<std::string>{"a", "", "b"});
  CHECK(split("", ',') == std::vector<std::string>{""});
}

TEST_CASE("edit_distance counts a swap of neighbours as one edit") {
  CHECK(edit_distance("gpus", "gpus") == 0);
  CHECK(edit_distance("gpu", "gpus") == 1);
  CHECK(edit_distance("sbumit", "submit") == 1);
  CHECK(edit_distance("", "abc") == 3);
  CHECK(edit_distance("kitten", "sitting") == 3);
}

TEST_CASE("closest_match suggests near names and refuses far ones") {
  std::vector<std::string> keys{"gpus", "cpus", "memory", "time_limit"};
  CHECK(closest_match("gpu", keys) == "gpus");
  CHECK(closest_match("memroy", keys) == "memory");
  CHECK(closest_match("timelimit", keys) == "time_limit");
  CHECK_FALSE(closest_match("banana", keys).has_value());
}

TEST_CASE("human_bytes picks a readable unit") {
  CHECK(human_bytes(12) == "12 B");
  CHECK(human_bytes(1536) == "1.5 KiB");
  CHECK(human_bytes(1024ull * 1024 * 300) == "300 MiB");
}

TEST_CASE("to_hex") {
  const unsigned char b[] = {0x00, 0xab, 0xff};
  CHECK(to_hex(b) == "00abff");
}
