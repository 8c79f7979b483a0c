// Log text made fit for JSON: invalid UTF-8 replaced, chunks cut between characters.
#include "lab/remote/announce.hpp"

#include <doctest/doctest.h>

using namespace lab::remote;

TEST_CASE("utf8_clean keeps valid text and replaces each stray byte with U+FFFD") {
  CHECK(utf8_clean("epoch 1 \xC3\xA9t\xC3\xA9 \xE2\x9C\x93 \xF0\x9F\x98\x80\n") == "epoch 1 \xC3\xA9t\xC3\xA9 \xE2\x9C\x93 \xF0\x9F\x98\x80\n");
  CHECK(utf8_clean("a\xFF" "b") == "a\xEF\xBF\xBD" "b");
  CHECK(utf8_clean("\xC3") == "\xEF\xBF\xBD");                    // cut short
  CHECK(utf8_clean("\xC0\xAF") == "\xEF\xBF\xBD\xEF\xBF\xBD");    // overlong
  CHECK(utf8_clean("\xED\xA0\x80") == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // a surrogate
}

TEST_CASE("utf8_cut never splits a character") {
  const std::string s = "ab\xE2\x9C\x93" "cd";  // "ab✓cd": the check mark is bytes 2..4
  CHECK(utf8_cut(s, 100) == s.size());
  CHECK(utf8_cut(s, 2) == 2);
  CHECK(utf8_cut(s, 3) == 2);
  CHECK(utf8_cut(s, 4) == 2);
  CHECK(utf8_cut(s, 5) == 5);
}
