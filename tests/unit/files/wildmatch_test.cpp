// Cases follow git's wildmatch behaviour (t3070): each row is pattern, text, and whether it
// matches with and without pathname mode.
#include <doctest/doctest.h>
#include <lab/files/ignore.hpp>

#include <string>

using lab::files::wildmatch;

namespace {
struct Case {
  std::string pattern;
  std::string text;
  bool pathname;  // expected with pathname semantics (how gitignore paths are matched)
  bool plain;     // expected without (how gitignore basenames are matched)
};

const Case kCases[] = {
    {"foo", "foo", true, true},
    {"bar", "foo", false, false},
    {"", "", true, true},
    {"???", "foo", true, true},
    {"??", "foo", false, false},
    {"*", "foo", true, true},
    {"f*", "foo", true, true},
    {"*f", "foo", false, false},
    {"*foo*", "foo", true, true},
    {"*ob*a*r*", "foobar", true, true},
    {"*ab", "aaaaaaabababab", true, true},
    {"foo\\*", "foo*", true, true},
    {"foo\\*bar", "foobar", false, false},
    {"f\\\\oo", "f\\oo", true, true},
    {"*[al]?", "ball", true, true},
    {"[ten]", "ten", false, false},
    {"**[!te]", "ten", true, true},
    {"**[!ten]", "ten", false, false},
    {"t[a-g]n", "ten", true, true},
    {"t[!a-g]n", "ten", false, false},
    {"t[!a-g]n", "ton", true, true},
    {"t[^a-g]n", "ton", true, true},
    {"a[]]b", "a]b", true, true},
    {"a[]-]b", "a-b", true, true},
    {"a[]-]b", "a]b", true, true},
    {"a[]-]b", "aab", false, false},
    {"a[]a-]b", "aab", true, true},
    {"]", "]", true, true},
    {"[abc", "a", false, false},
    {"\\[ab]", "[ab]", true, true},
    {"\\??\\?b", "?a?b", true, true},
    {"\\a\\b\\c", "abc", true, true},
    {"", "foo", false, false},
    {"foo*bar", "foo/baz/bar", false, true},
    {"foo**bar", "foo/baz/bar", false, true},
    {"foo/**/bar", "foo/baz/bar", true, true},
    {"foo/**/bar", "foo/b/a/z/bar", true, true},
    {"foo/**/bar", "foo/bar", true, false},
    {"foo?bar", "foo/bar", false, true},
    {"foo[/]bar", "foo/bar", false, true},
    {"f[^eiu][^eiu][^eiu][^eiu][^eiu]r", "foo/bar", false, true},
    {"f[^eiu][^eiu][^eiu][^eiu][^eiu]r", "foo-bar", true, true},
    {"**/foo", "foo", true, false},
    {"**/foo", "XXX/foo", true, true},
    {"**/foo", "bar/baz/foo", true, true},
    {"*/foo", "bar/baz/foo", false, true},
    {"**/bar*", "foo/bar/baz", false, true},
    {"**/bar/*", "deep/foo/bar/baz", true, true},
    {"**/bar/*", "deep/foo/bar/baz/", false, true},
    {"**/bar/**", "deep/foo/bar/baz/", true, true},
    {"**/bar/*", "deep/foo/bar", false, false},
    {"**/bar/**", "deep/foo/bar/", true, true},
    {"**/bar**", "foo/bar/baz", false, true},
    {"*/bar/**", "foo/bar/baz/x", true, true},
    {"*/bar/**", "deep/foo/bar/baz/x", false, true},
    {"**/bar/*/*", "deep/foo/bar/baz/x", true, true},
    {"**/*a*b*g*n*t", "abcd/abcdefg/abcdefghijk/abcdefghijklmnop.txt", true, true},
    {"**/*a*b*g*n*t", "abcd/abcdefg/abcdefghijk/abcdefghijklmnop.txtz", false, false},
    {"*/*/*", "foo", false, false},
    {"*/*/*", "foo/bar", false, false},
    {"*/*/*", "foo/bba/arr", true, true},
    {"*/*/*", "foo/bb/aa/rr", false, true},
    {"**/**/**", "foo/bb/aa/rr", true, true},
    {"*X*i", "abcXdefXghi", true, true},
    {"*X*i", "ab/cXd/efXg/hi", false, true},
    {"*/*X*/*/*i", "ab/cXd/efXg/hi", true, true},
    {"**/*X*/**/*i", "ab/cXd/efXg/hi", true, true},
    {"[[:digit:][:upper:][:space:]]", "5", true, true},
    {"[[:digit:][:upper:][:space:]]", "a", false, false},
    {"[[:digit:][:upper:][:space:]]", " ", true, true},
    {"[[:digit:][:punct:][:space:]]", ".", true, true},
    {"[[:foo:]]", "f", false, false},
    {"[a-c]x", "bx", true, true},
    {"a/**", "a", false, false},
    {"a/**", "a/b/c", true, true},
};
}  // namespace

TEST_CASE("wildmatch agrees with git's wildmatch cases") {
  for (const auto& c : kCases) {
    CAPTURE(c.pattern);
    CAPTURE(c.text);
    CHECK(wildmatch(c.pattern, c.text, true) == c.pathname);
    CHECK(wildmatch(c.pattern, c.text, false) == c.plain);
  }
}
