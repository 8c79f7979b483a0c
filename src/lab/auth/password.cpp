#include <lab/auth/password.hpp>
#include <lab/util/strings.hpp>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <charconv>

namespace lab::auth {
namespace {

constexpr std::size_t kSaltBytes = 16;
constexpr std::size_t kHashBytes = 32;
constexpr std::size_t kTokenBytes = 32;
// scrypt needs 128 * r * N bytes; allow up to N=2^20, r=16 when verifying stored hashes.
constexpr std::uint64_t kMaxScryptMemory = 2ull << 30;

Result<std::string> scrypt(std::string_view password, std::string_view salt, const ScryptParams& p) {
  if (p.log2_n < 1 || p.log2_n > 20 || p.r < 1 || p.r > 32 || p.p < 1 || p.p > 16)
    return fail(Errc::invalid_argument, "scrypt parameters out of range");
  std::string out(kHashBytes, '\0');
  int ok = EVP_PBE_scrypt(password.data(), password.size(),
                          reinterpret_cast<const unsigned char*>(salt.data()), salt.size(),
                          std::uint64_t{1} << p.log2_n, static_cast<std::uint64_t>(p.r),
                          static_cast<std::uint64_t>(p.p), kMaxScryptMemory,
                          reinterpret_cast<unsigned char*>(out.data()), out.size());
  if (ok != 1) return fail(Errc::internal, "scrypt failed inside OpenSSL");
  return out;
}

Result<std::string> random_bytes(std::size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1)
    return fail(Errc::internal, "the system random generator failed");
  return out;
}

bool parse_int(std::string_view s, int& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

std::string base64_encode(std::string_view bytes, bool url) {
  static const char* std_alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  static const char* url_alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const char* a = url ? url_alpha : std_alpha;
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : bytes) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += a[(acc >> bits) & 63];
    }
  }
  if (bits > 0) out += a[(acc << (6 - bits)) & 63];
  return out;
}

Result<std::string> base64_decode(std::string_view text) {
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (char ch : text) {
    int v;
    if (ch >= 'A' && ch <= 'Z') v = ch - 'A';
    else if (ch >= 'a' && ch <= 'z') v = ch - 'a' + 26;
    else if (ch >= '0' && ch <= '9') v = ch - '0' + 52;
    else if (ch == '+' || ch == '-') v = 62;
    else if (ch == '/' || ch == '_') v = 63;
    else return fail(Errc::invalid_argument, "not base64");
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  return out;
}

Result<std::string> hash_password(std::string_view password, const ScryptParams& params) {
  auto salt = random_bytes(kSaltBytes);
  if (!salt) return std::unexpected(salt.error());
  auto hash = scrypt(password, *salt, params);
  if (!hash) return std::unexpected(hash.error());
  return "$scrypt$ln=" + std::to_string(params.log2_n) + ",r=" + std::to_string(params.r) +
         ",p=" + std::to_string(params.p) + "$" + base64_encode(*salt) + "$" + base64_encode(*hash);
}

Result<bool> verify_password(std::string_view password, std::string_view encoded) {
  // "", "scrypt", "ln=..,r=..,p=..", salt, hash
  auto parts = util::split(encoded, '$');
  if (parts.size() != 5 || !parts[0].empty() || parts[1] != "scrypt")
    return fail(Errc::corrupt, "stored password hash is not in the $scrypt$ format");
  ScryptParams p;
  for (const auto& kv : util::split(parts[2], ',')) {
    auto eq = kv.find('=');
    if (eq == std::string::npos) return fail(Errc::corrupt, "stored password hash has bad parameters");
    std::string_view k(kv.data(), eq), v(kv.data() + eq + 1, kv.size() - eq - 1);
    int* dst = k == "ln" ? &p.log2_n : k == "r" ? &p.r : k == "p" ? &p.p : nullptr;
    if (!dst || !parse_int(v, *dst)) return fail(Errc::corrupt, "stored password hash has bad parameters");
  }
  auto salt = base64_decode(parts[3]);
  auto want = base64_decode(parts[4]);
  if (!salt || !want || want->size() != kHashBytes)
    return fail(Errc::corrupt, "stored password hash is damaged");
  auto got = scrypt(password, *salt, p);
  if (!got) return std::unexpected(got.error());
  return constant_time_equal(*got, *want);
}

Result<std::string> new_token() {
  auto bytes = random_bytes(kTokenBytes);
  if (!bytes) return std::unexpected(bytes.error());
  return "lab_" + base64_encode(*bytes, /*url=*/true);
}

std::string token_digest(std::string_view token) {
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(), md);
  return util::to_hex(md);
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace lab::auth
