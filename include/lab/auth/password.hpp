// Password hashing and bearer tokens. Passwords are stored only as scrypt hashes (OpenSSL's
// EVP_PBE_scrypt) in a self-describing string; tokens are random and stored only as their
// SHA-256. Nothing here ever logs or returns a secret in clear. Thread-safe.
#pragma once

#include <lab/result.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace lab::auth {

// scrypt cost: N = 2^log2_n, r, p. The default (N=2^15, r=8, p=1: 32 MiB, ~0.1 s) follows
// OWASP's minimum recommendation for scrypt.
struct ScryptParams {
  int log2_n = 15;
  int r = 8;
  int p = 1;
};

// Hashes `password` with a fresh 16-byte random salt. Result looks like
// "$scrypt$ln=15,r=8,p=1$<salt base64>$<hash base64>". Fails only if OpenSSL does.
Result<std::string> hash_password(std::string_view password, const ScryptParams& params = {});

// True when `password` matches `encoded` (as made by hash_password, with whatever parameters
// it records). Compares in constant time. A malformed `encoded` is Errc::corrupt.
Result<bool> verify_password(std::string_view password, std::string_view encoded);

// A new random bearer token: "lab_" + 43 base64url characters (256 bits).
Result<std::string> new_token();

// The form a token is stored in: lower-case hex SHA-256 of the token.
std::string token_digest(std::string_view token);

// Constant-time equality of two byte strings (length may leak, contents do not).
bool constant_time_equal(std::string_view a, std::string_view b);

// base64 (RFC 4648) without padding; `url` selects the URL-safe alphabet.
std::string base64_encode(std::string_view bytes, bool url = false);
// Decodes either alphabet, padding optional. Errc::invalid_argument on bad input.
Result<std::string> base64_decode(std::string_view text);

}  // namespace lab::auth
