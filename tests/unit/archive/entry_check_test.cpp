#include <doctest/doctest.h>

#include "unit/archive/archive_test_util.hpp"
#include "lab/archive/entry_check.hpp"

using namespace lab::archive::detail;
using namespace lab::archive::test;

TEST_CASE("safe_components drops '.' and empty parts and refuses escapes") {
  CHECK(safe_components("./a//b/") == std::vector<std::string>{"a", "b"});
  CHECK(safe_components("a b/c\xc3\xa9") == std::vector<std::string>{"a b", "c\xc3\xa9"});
  CHECK_FALSE(safe_components("/etc/passwd"));
  CHECK_FALSE(safe_components("a/../b"));
  CHECK_FALSE(safe_components(".."));
  CHECK_FALSE(safe_components("./"));
  CHECK_FALSE(safe_components(""));
  CHECK(safe_components("..a/b..") == std::vector<std::string>{"..a", "b.."});
}

TEST_CASE("escapes_lexically counts depth from the link's own folder") {
  CHECK_FALSE(escapes_lexically({"a", "link"}, ".."));
  CHECK(escapes_lexically({"a", "link"}, "../.."));
  CHECK(escapes_lexically({"link"}, ".."));
  CHECK_FALSE(escapes_lexically({"link"}, "x/../y"));
  CHECK(escapes_lexically({"link"}, "/etc"));
  CHECK(escapes_lexically({"link"}, ""));
}

TEST_CASE("escapes_on_disk follows links already on disk") {
  ScratchDir tmp;
  fs::path root = fs::canonical(tmp.path);
  fs::create_directories(root / "d/e");
  fs::create_symlink(".", root / "self");
  fs::create_symlink("self/..", root / "up");  // lexically "." but really the parent
  fs::create_symlink("d/e", root / "deep");
  fs::create_symlink("deep/../..", root / "back");  // d/e/../.. = root: inside
  fs::create_symlink("deep/../../..", root / "out");
  fs::create_symlink("loop2", root / "loop1");
  fs::create_symlink("loop1", root / "loop2");
  CHECK_FALSE(escapes_on_disk(root, "self"));
  CHECK(escapes_on_disk(root, "up"));
  CHECK_FALSE(escapes_on_disk(root, "back"));
  CHECK(escapes_on_disk(root, "out"));
  CHECK(escapes_on_disk(root, "loop1"));
}
