#include <doctest/doctest.h>
#include <lab/files/manifest.hpp>

using namespace lab::files;

TEST_CASE("manifest JSON round-trips files, executables, symlinks and non-UTF-8 names") {
  Manifest m;
  m.entries.push_back({"a b/ü.txt", EntryKind::file, false, 3, Hash128::of("abc"), ""});
  m.entries.push_back({"run.sh", EntryKind::file, true, 0, Hash128::of(""), ""});
  m.entries.push_back({"link", EntryKind::symlink, false, 6, Hash128::of("../x/y"), "../x/y"});
  m.entries.push_back({std::string("bad\xff\xfe"), EntryKind::file, false, 1, Hash128::of("z"), ""});
  const std::string json = to_json(m);
  CHECK(json.find("\"path_hex\":\"626164fffe\"") != std::string::npos);
  CHECK(json.find("\"outside\":true") != std::string::npos);
  CHECK(json.find("\"mode\":\"100755\"") != std::string::npos);
  auto back = manifest_from_json(json);
  REQUIRE(back);
  CHECK(*back == m);
  CHECK(back->total_bytes() == 10);
}

TEST_CASE("manifest_from_json names what is wrong") {
  CHECK(manifest_from_json("{").error().code == lab::Errc::corrupt);
  auto wrong = manifest_from_json(R"({"format":"lab-manifest","version":1,"hash":"xxh3-128",
    "entries":[{"path":"a","mode":"100700","size":1,"xxh3":"00000000000000000000000000000000"}]})");
  REQUIRE_FALSE(wrong);
  CHECK(wrong.error().message.find("unknown mode 100700") != std::string::npos);
}

TEST_CASE("hashes are XXH3-128 in canonical order") {
  // Reference value of XXH3-128 for the empty input (xxHash's test vectors).
  CHECK(Hash128::of("").hex() == "99aa06d3014798d86001c324468d497f");
  CHECK(Hash128::from_hex(Hash128::of("abc").hex()).value() == Hash128::of("abc"));
  CHECK_FALSE(Hash128::from_hex("xyz"));
}

TEST_CASE("points_outside looks at the target lexically") {
  Entry e{"a/b/l", EntryKind::symlink, false, 0, {}, "../c"};
  CHECK_FALSE(e.points_outside());
  e.target = "../../c";
  CHECK_FALSE(e.points_outside());
  e.target = "../../../c";
  CHECK(e.points_outside());
  e.target = "/etc/passwd";
  CHECK(e.points_outside());
  e.target = "./x/../../..";  // a/b/x, a/b, a, then the root itself
  CHECK_FALSE(e.points_outside());
  e.target = "./x/../../../..";
  CHECK(e.points_outside());
}
