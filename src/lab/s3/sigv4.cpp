// SigV4 as AWS documents it ("Create a signed AWS API request"), in four steps:
// canonical request -> string to sign -> signing key -> signature.
#include <lab/s3/sigv4.hpp>

#include <lab/util/strings.hpp>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <ctime>
#include <map>
#include <span>

namespace lab::s3 {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";

bool unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::array<unsigned char, 32> hmac(std::span<const unsigned char> key, std::string_view data) {
  std::array<unsigned char, 32> out{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(), &len);
  return out;
}

// Trims and folds runs of spaces/tabs into one space, as the canonical header form requires.
std::string fold_value(std::string_view v) {
  std::string out;
  bool pending_space = false;
  for (char c : util::trim(v)) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      pending_space = true;
      continue;
    }
    if (pending_space && !out.empty()) out += ' ';
    pending_space = false;
    out += c;
  }
  return out;
}

}  // namespace

std::string uri_encode(std::string_view s, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() * 3 / 2);
  for (unsigned char c : s) {
    if (unreserved(c) || (keep_slash && c == '/')) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string uri_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

std::string normalize_path(std::string_view path) {
  std::vector<std::string_view> segs;
  std::size_t i = 0;
  while (i <= path.size()) {
    std::size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    std::string_view seg = path.substr(i, j - i);
    if (seg == "..") {
      if (!segs.empty()) segs.pop_back();
    } else if (!seg.empty() && seg != ".") {
      segs.push_back(seg);
    }
    i = j + 1;
  }
  std::string out = "/";
  for (std::size_t k = 0; k < segs.size(); ++k) {
    if (k) out += '/';
    out += segs[k];
  }
  // A trailing slash (or a trailing "." / ".." segment) names a directory: keep it.
  bool trailing = !path.empty() && (path.back() == '/' || util::ends_with(path, "/.") ||
                                    util::ends_with(path, "/.."));
  if (trailing && out.size() > 1) out += '/';
  return out;
}

std::string canonical_query(const std::vector<std::pair<std::string, std::string>>& query) {
  std::vector<std::pair<std::string, std::string>> enc;
  enc.reserve(query.size());
  for (const auto& [k, v] : query) enc.emplace_back(uri_encode(k, false), uri_encode(v, false));
  std::sort(enc.begin(), enc.end());
  std::string out;
  for (const auto& [k, v] : enc) {
    if (!out.empty()) out += '&';
    out += k;
    out += '=';
    out += v;
  }
  return out;
}

std::string canonical_request(const SignableRequest& req, bool normalize, std::string* signed_headers) {
  // Headers: lower-case names, sorted; repeated names joined with ',' in the order sent.
  std::map<std::string, std::string> headers;
  for (const auto& [name, value] : req.headers) {
    std::string key = util::to_lower(util::trim(name));
    auto [it, fresh] = headers.try_emplace(key, fold_value(value));
    if (!fresh) it->second.append(1, ',').append(fold_value(value));
  }
  std::string names;
  std::string block;
  for (const auto& [name, value] : headers) {
    if (!names.empty()) names += ';';
    names += name;
    block.append(name).append(1, ':').append(value).append(1, '\n');
  }
  if (signed_headers) *signed_headers = names;

  std::string path = req.path.empty() ? std::string("/") : req.path;
  if (normalize) path = normalize_path(path);
  std::string out = req.method;
  out.append(1, '\n').append(uri_encode(path, true)).append(1, '\n');
  out.append(canonical_query(req.query)).append(1, '\n').append(block).append(1, '\n');
  out.append(names).append(1, '\n').append(req.payload_hash);
  return out;
}

std::string credential_scope(std::string_view amz_date, const Scope& scope) {
  return std::string(amz_date.substr(0, 8)) + "/" + scope.region + "/" + scope.service + "/aws4_request";
}

std::string string_to_sign(std::string_view amz_date, const Scope& scope, std::string_view creq) {
  return std::string(kAlgorithm) + "\n" + std::string(amz_date) + "\n" +
         credential_scope(amz_date, scope) + "\n" + sha256_hex(creq);
}

std::array<unsigned char, 32> signing_key(std::string_view secret, std::string_view date8,
                                          const Scope& scope) {
  std::string k0 = "AWS4" + std::string(secret);
  auto k = hmac({reinterpret_cast<const unsigned char*>(k0.data()), k0.size()}, date8);
  OPENSSL_cleanse(k0.data(), k0.size());
  k = hmac(k, scope.region);
  k = hmac(k, scope.service);
  return hmac(k, "aws4_request");
}

Signed sign_request(const SignableRequest& req, const Credentials& creds, const Scope& scope,
                    std::string_view amz_date, bool normalize) {
  Signed s;
  s.canonical_request = canonical_request(req, normalize, &s.signed_headers);
  s.string_to_sign = string_to_sign(amz_date, scope, s.canonical_request);
  auto key = signing_key(creds.secret_key, amz_date.substr(0, 8), scope);
  s.signature = util::to_hex(hmac(key, s.string_to_sign));
  OPENSSL_cleanse(key.data(), key.size());
  s.authorization = std::string(kAlgorithm) + " Credential=" + creds.access_key + "/" +
                    credential_scope(amz_date, scope) + ", SignedHeaders=" + s.signed_headers +
                    ", Signature=" + s.signature;
  return s;
}

std::string presign_url(const SignableRequest& req, const Credentials& creds, const Scope& scope,
                        std::string_view amz_date, std::int64_t expires_s, std::string_view base_url,
                        Signed* out) {
  SignableRequest r = req;
  r.payload_hash = std::string(kUnsignedPayload);
  std::string signed_headers;
  canonical_request(r, false, &signed_headers);  // just for the header list
  r.query.emplace_back("X-Amz-Algorithm", std::string(kAlgorithm));
  r.query.emplace_back("X-Amz-Credential", creds.access_key + "/" + credential_scope(amz_date, scope));
  r.query.emplace_back("X-Amz-Date", std::string(amz_date));
  r.query.emplace_back("X-Amz-Expires", std::to_string(std::clamp<std::int64_t>(expires_s, 1, 604800)));
  if (!creds.session_token.empty()) r.query.emplace_back("X-Amz-Security-Token", creds.session_token);
  r.query.emplace_back("X-Amz-SignedHeaders", signed_headers);
  Signed s = sign_request(r, creds, scope, amz_date, false);
  std::string url = std::string(base_url) + uri_encode(r.path, true) + "?" + canonical_query(r.query) +
                    "&X-Amz-Signature=" + s.signature;
  if (out) *out = std::move(s);
  return url;
}

std::string amz_date(std::int64_t epoch_ms) {
  std::time_t t = static_cast<std::time_t>(epoch_ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

std::string sha256_hex(std::string_view data) {
  Sha256 h;
  h.update(data.data(), data.size());
  return h.finish_hex();
}

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(ctx_), EVP_sha256(), nullptr);
}

Sha256::~Sha256() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_)); }

void Sha256::update(const void* data, std::size_t n) {
  EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), data, n);
}

std::string Sha256::finish_hex() {
  std::array<unsigned char, 32> md{};
  unsigned int len = 0;
  EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(ctx_), md.data(), &len);
  return util::to_hex(md);
}

}  // namespace lab::s3
