#include <lab/client/metrics.hpp>

#include <doctest/doctest.h>

using namespace lab::client;

TEST_CASE("metrics lines become a table: step first, keys in the order they came") {
  auto t = parse_metrics("{\"loss\": 0.5, \"step\": 1}\n\nnot json\n[1,2]\n{\"step\": 2, \"loss\": 0.25, \"acc\": \"high\"}\n");
  REQUIRE(t.columns == std::vector<std::string>{"step", "loss", "acc"});
  REQUIRE(t.rows.size() == 2);
  CHECK(t.rows[0] == std::vector<std::string>{"1", "0.5", ""});
  CHECK(t.rows[1] == std::vector<std::string>{"2", "0.25", "high"});
  CHECK(t.skipped == 2);
}

TEST_CASE("metrics as CSV quote what needs quoting; as text the columns line up") {
  auto t = parse_metrics("{\"step\": 1, \"note\": \"a,\\\"b\\\"\"}\n{\"step\": 10, \"note\": \"x\"}\n");
  CHECK(to_csv(t) == "step,note\r\n1,\"a,\"\"b\"\"\"\r\n10,x\r\n");
  CHECK(to_text(t) == "step  note\n1     a,\"b\"\n10    x\n");
}
