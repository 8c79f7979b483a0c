#include <doctest/doctest.h>
#include <lab/files/ignore.hpp>

using namespace lab::files;

namespace {
// Whether `path` is excluded by one root-level ignore file with `text`.
bool excluded(const std::string& text, const std::string& path, bool is_dir = false) {
  IgnoreStack s;
  s.push({parse_ignore(text, "", ".gitignore")});
  return s.match(path, is_dir).excluded();
}
}  // namespace

TEST_CASE("parse_ignore skips blanks and comments, trims unescaped trailing spaces") {
  const auto l = parse_ignore("\xEF\xBB\xBF# comment\n\n*.o  \nfoo\\ \nbar\\  \r\n\\#x\n!y/\n", "", "f");
  REQUIRE(l.patterns.size() == 5);
  CHECK(l.patterns[0].glob == "*.o");
  CHECK(l.patterns[0].line == 3);
  CHECK(l.patterns[1].glob == "foo\\ ");
  CHECK(l.patterns[2].glob == "bar\\ ");  // the escaped space stays, the next one goes
  CHECK(l.patterns[3].glob == "\\#x");
  CHECK(l.patterns[4].negative);
  CHECK(l.patterns[4].dir_only);
  CHECK(l.patterns[4].glob == "y");
}

TEST_CASE("comments, escapes and negation") {
  CHECK_FALSE(excluded("#x\n", "#x"));
  CHECK(excluded("\\#x\n", "#x"));
  CHECK(excluded("\\!x\n", "!x"));
  CHECK_FALSE(excluded("!x\n", "x"));
  CHECK(excluded("foo\\ \n", "foo "));
  CHECK(excluded("foo  \n", "foo"));
  CHECK_FALSE(excluded("foo  \n", "foo  "));
  CHECK(excluded("a\r\n", "a"));  // CRLF files work as in git
}

TEST_CASE("later lines win, negation re-includes") {
  CHECK_FALSE(excluded("*.log\n!keep.log\n", "keep.log"));
  CHECK(excluded("*.log\n!keep.log\n", "other.log"));
  CHECK(excluded("!keep.log\n*.log\n", "keep.log"));
}

TEST_CASE("a pattern without slash matches at any depth, one with a slash is anchored") {
  CHECK(excluded("foo\n", "a/b/foo"));
  CHECK(excluded("foo\n", "foo", true));
  CHECK(excluded("/foo\n", "foo"));
  CHECK_FALSE(excluded("/foo\n", "a/foo"));
  CHECK(excluded("a/foo\n", "a/foo"));
  CHECK_FALSE(excluded("a/foo\n", "x/a/foo"));
  CHECK_FALSE(excluded("*.c\n", "a/b.c/d"));  // only the name is matched, and "d" is not *.c
  CHECK(excluded("a/*.c\n", "a/x.c"));
  CHECK_FALSE(excluded("a/*.c\n", "a/b/x.c"));  // `*` does not cross '/'
}

TEST_CASE("trailing slash matches directories only") {
  CHECK(excluded("build/\n", "build", true));
  CHECK_FALSE(excluded("build/\n", "build", false));
  CHECK(excluded("a/build/\n", "a/build", true));
  CHECK_FALSE(excluded("a/build/\n", "a/build", false));
}

TEST_CASE("double-star forms") {
  CHECK(excluded("**/foo\n", "foo"));
  CHECK(excluded("**/foo\n", "a/b/foo"));
  CHECK(excluded("**/foo/bar\n", "x/foo/bar"));
  CHECK(excluded("abc/**\n", "abc/x/y"));
  CHECK_FALSE(excluded("abc/**\n", "abc", true));
  CHECK(excluded("a/**/b\n", "a/b"));
  CHECK(excluded("a/**/b\n", "a/x/y/b"));
  CHECK_FALSE(excluded("a/**/b\n", "xa/b"));
}

TEST_CASE("classes and ranges") {
  CHECK(excluded("[Dd]oc\n", "doc"));
  CHECK(excluded("*.[oa]\n", "x.a"));
  CHECK_FALSE(excluded("*.[!oa]\n", "x.a"));
  CHECK(excluded("*.[^oa]\n", "x.c"));
  CHECK(excluded("[a-c]\n", "b"));
  CHECK_FALSE(excluded("[a-c]\n", "d"));
}

TEST_CASE("deeper lists win over shallower, fallbacks come last") {
  IgnoreStack s;
  s.add_fallback(parse_ignore("*.tmp\n!x.dat\n", "", ".git/info/exclude"));
  s.push({parse_ignore("*.dat\n", "", ".gitignore")});
  s.push({parse_ignore("!keep.dat\n", "sub/", "sub/.gitignore")});
  CHECK(s.match("sub/x.dat", false).excluded());
  CHECK_FALSE(s.match("sub/keep.dat", false).excluded());
  CHECK(s.match("sub/a.tmp", false).excluded());
  CHECK(s.match("sub/a.tmp", false).describe() == ".git/info/exclude:1: *.tmp");
  // An anchored pattern is relative to its own file's folder.
  s.push({parse_ignore("/only\n", "sub/deeper/", "sub/deeper/.gitignore")});
  CHECK(s.match("sub/deeper/only", false).excluded());
  CHECK_FALSE(s.match("sub/deeper/x/only", false).excluded());
  s.pop();
  s.pop();
  CHECK(s.match("sub/keep.dat", false).excluded());
}

TEST_CASE(".labignore after .gitignore in the same folder wins") {
  IgnoreStack s;
  s.push({parse_ignore("*.ckpt\n", "", ".gitignore"), parse_ignore("!best.ckpt\n", "", ".labignore")});
  CHECK_FALSE(s.match("best.ckpt", false).excluded());
  CHECK(s.match("last.ckpt", false).describe() == ".gitignore:1: *.ckpt");
}
