#include <doctest/doctest.h>
#include <lab/auth/password.hpp>

using namespace lab;
using namespace lab::auth;

namespace {
// Cheap parameters keep the tests fast; the format and the check are the same.
const ScryptParams kFast{10, 8, 1};
}  // namespace

TEST_CASE("a password verifies against its own hash and not against another") {
  auto h = hash_password("correct horse", kFast).value();
  CHECK(h.starts_with("$scrypt$ln=10,r=8,p=1$"));
  CHECK(h.find("correct horse") == std::string::npos);
  CHECK(verify_password("correct horse", h).value());
  CHECK_FALSE(verify_password("correct hors", h).value());
  CHECK_FALSE(verify_password("", h).value());
}

TEST_CASE("the same password hashes differently each time (random salt)") {
  CHECK(hash_password("pw", kFast).value() != hash_password("pw", kFast).value());
}

TEST_CASE("the default cost is scrypt N=2^15, r=8") {
  auto h = hash_password("pw").value();
  CHECK(h.starts_with("$scrypt$ln=15,r=8,p=1$"));
  CHECK(verify_password("pw", h).value());
}

TEST_CASE("matches the scrypt test vector of RFC 7914 section 12") {
  // P="password", S="NaCl", N=1024, r=8, p=16 -> fdbabe1c9d34...
  std::string encoded = "$scrypt$ln=10,r=8,p=16$" + base64_encode("NaCl") + "$";
  const unsigned char expected[] = {0xfd, 0xba, 0xbe, 0x1c, 0x9d, 0x34, 0x72, 0x00, 0x78, 0x56, 0xe7,
                                    0x19, 0x0d, 0x01, 0xe9, 0xfe, 0x7c, 0x6a, 0xd7, 0xcb, 0xc8, 0x23,
                                    0x78, 0x30, 0xe7, 0x73, 0x76, 0x63, 0x4b, 0x37, 0x31, 0x62};
  encoded += base64_encode(std::string_view(reinterpret_cast<const char*>(expected), sizeof expected));
  CHECK(verify_password("password", encoded).value());
  CHECK_FALSE(verify_password("passwore", encoded).value());
}

TEST_CASE("malformed stored hashes are reported as corrupt, not as a mismatch") {
  for (const char* bad : {"", "plain", "$scrypt$ln=x,r=8,p=1$AA$AA", "$bcrypt$ln=10,r=8,p=1$AA$AA",
                          "$scrypt$ln=10,r=8,p=1$AA$AA"}) {
    auto r = verify_password("pw", bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::corrupt);
  }
}

TEST_CASE("tokens are random, URL-safe, and stored only as a digest") {
  auto a = new_token().value(), b = new_token().value();
  CHECK(a != b);
  CHECK(a.starts_with("lab_"));
  CHECK(a.size() == 4 + 43);
  CHECK(a.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_", 4) == std::string::npos);
  CHECK(token_digest(a).size() == 64);
  CHECK(token_digest(a) != token_digest(b));
  // SHA-256("abc")
  CHECK(token_digest("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("base64 round trips both alphabets") {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  CHECK(base64_decode(base64_encode(all)).value() == all);
  CHECK(base64_decode(base64_encode(all, true)).value() == all);
  CHECK(base64_encode("foobar") == "Zm9vYmFy");
  CHECK(base64_encode("fo") == "Zm8");
  CHECK_FALSE(base64_decode("a*b"));
}

TEST_CASE("constant_time_equal") {
  CHECK(constant_time_equal("abc", "abc"));
  CHECK_FALSE(constant_time_equal("abc", "abd"));
  CHECK_FALSE(constant_time_equal("abc", "ab"));
}
