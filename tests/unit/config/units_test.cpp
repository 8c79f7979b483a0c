#include <doctest/doctest.h>
#include <lab/config/units.hpp>

using namespace lab::config;

namespace {
constexpr std::uint64_t MiB = 1ull << 20, GiB = 1ull << 30;
}

TEST_CASE("parse_memory reads Slurm-style sizes with binary units") {
  struct Row { const char* text; std::uint64_t bytes; };
  for (Row r : {Row{"16G", 16 * GiB}, Row{"16g", 16 * GiB}, Row{"16GB", 16 * GiB}, Row{"16GiB", 16 * GiB},
                Row{"16 GB", 16 * GiB}, Row{"512M", 512 * MiB}, Row{"1.5G", 1536 * MiB}, Row{"2048", 2048 * MiB},
                Row{"2T", 2048 * GiB}, Row{"1024K", MiB}, Row{" 4G ", 4 * GiB}, Row{"1048576B", MiB}}) {
    CAPTURE(r.text);
    auto got = parse_memory(r.text);
    REQUIRE(got);
    CHECK(*got == r.bytes);
  }
}

TEST_CASE("parse_memory rejects nonsense with a hint") {
  struct Row { const char* text; const char* says; };
  for (Row r : {Row{"16X", "unknown unit \"X\""}, Row{"G", "does not start with a number"}, Row{"", "empty"},
                Row{"1.5.2G", "is not a number"}, Row{"-4G", "negative"}, Row{"0", "less than 1M"},
                Row{"512K", "less than 1M"}, Row{"100T", "more than 64 TiB"}, Row{"16 gigs", "unknown unit"},
                Row{"4.G", "is not a number"}}) {
    CAPTURE(r.text);
    auto got = parse_memory(r.text);
    REQUIRE_FALSE(got);
    CHECK(got.error().code == lab::Errc::invalid_argument);
    CHECK(got.error().message.find(r.says) != std::string::npos);
  }
  // A size too small to be meant suggests the unit that was probably forgotten.
  CHECK(parse_memory("0.5").error().message.find("\"0.5G\"") != std::string::npos);
}

TEST_CASE("memory_from_mib counts MiB like Slurm's --mem") {
  CHECK(*memory_from_mib(2048) == 2 * GiB);
  CHECK_FALSE(memory_from_mib(0));
  CHECK_FALSE(memory_from_mib(-1));
  CHECK_FALSE(memory_from_mib(64ll * 1024 * 1024 + 1));
}

TEST_CASE("parse_duration reads every Slurm --time form and unit suffixes") {
  struct Row { const char* text; std::int64_t seconds; };
  for (Row r : {Row{"90", 90 * 60}, Row{"90:30", 90 * 60 + 30}, Row{"4:00:00", 4 * 3600}, Row{"04:05:06", 4 * 3600 + 5 * 60 + 6},
                Row{"2-00", 2 * 86400}, Row{"1-12", 86400 + 12 * 3600}, Row{"1-12:30", 86400 + 12 * 3600 + 30 * 60},
                Row{"1-00:00:01", 86401}, Row{"90m", 5400}, Row{"2h", 7200}, Row{"1h30m", 5400}, Row{"1d12h", 129600},
                Row{"45s", 45}, Row{"2H", 7200}, Row{"2 hours", 7200}, Row{"1h 30min", 5400}, Row{"365-00:00:00", 365 * 86400}}) {
    CAPTURE(r.text);
    auto got = parse_duration(r.text);
    REQUIRE(got);
    CHECK(*got == r.seconds);
  }
}

TEST_CASE("parse_duration rejects nonsense with a hint") {
  struct Row { const char* text; const char* says; };
  for (Row r : {Row{"0", "more than zero"}, Row{"0:00:00", "more than zero"}, Row{"1:60:00", "minutes must be below 60"},
                Row{"1:00:60", "seconds must be below 60"}, Row{"1-24:00:00", "hours must be below 24"},
                Row{"1:2:3:4", "too many"}, Row{"1::00", "empty field"}, Row{"2 weeks", "unknown unit 'weeks'"},
                Row{"1.5h", "fraction"}, Row{"2w", "unknown unit 'w'"}, Row{"1h1h", "twice"}, Row{"400-00:00:00", "365 days"},
                Row{"-5", "negative"}, Row{"", "empty"}, Row{"x-1:00", "no number of days"}, Row{"abc", "is not a time limit"}, Row{"1:00 h", "not a number"}}) {
    CAPTURE(r.text);
    auto got = parse_duration(r.text);
    REQUIRE_FALSE(got);
    CHECK(got.error().message.find(r.says) != std::string::npos);
  }
}

TEST_CASE("duration_from_minutes and format_duration") {
  CHECK(*duration_from_minutes(90) == 5400);
  CHECK_FALSE(duration_from_minutes(0));
  CHECK_FALSE(duration_from_minutes(366 * 24 * 60));
  CHECK(format_duration(5400) == "1:30:00");
  CHECK(format_duration(86400 + 3661) == "1-01:01:01");
  CHECK(format_duration(59) == "0:00:59");
  // What format_duration writes, parse_duration reads back.
  for (std::int64_t s : {60, 3599, 86399, 86400 * 3 + 7, 10 * 86400}) CHECK(*parse_duration(format_duration(s)) == s);
}
