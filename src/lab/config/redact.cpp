#include <lab/config/redact.hpp>

#include <lab/util/strings.hpp>

#include <array>

namespace lab::config {

bool is_secret_key(std::string_view key) {
  static constexpr std::array<std::string_view, 10> kWords{
      "token", "password", "passwd", "secret", "invite_code", "credential", "signature", "api_key", "apikey", "access_key"};
  std::string k = util::to_lower(key);
  for (std::string_view w : kWords)
    if (k.find(w) != std::string::npos) return true;
  return k == "key" || k == "sig" || k == "auth" || k == "authorization" || k.ends_with("_key");
}

std::string redact_url(std::string_view url) {
  auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return std::string(url);
  std::string out(url.substr(0, scheme + 3));
  std::string_view rest = url.substr(scheme + 3);
  // userinfo: everything before '@' in the authority; the password goes.
  std::size_t authority_end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, authority_end);
  if (auto at = authority.rfind('@'); at != std::string_view::npos) {
    std::string_view userinfo = authority.substr(0, at);
    auto colon = userinfo.find(':');
    out += colon == std::string_view::npos ? std::string(kSecretMask) : std::string(userinfo.substr(0, colon)) + ":" + std::string(kSecretMask);
    out += "@";
    rest = rest.substr(at + 1);
    authority_end = rest.find_first_of("/?#");
  }
  auto qmark = rest.find('?');
  if (qmark == std::string_view::npos) return out + std::string(rest);
  out += rest.substr(0, qmark + 1);
  std::string_view query = rest.substr(qmark + 1);
  std::string fragment;
  if (auto hash = query.find('#'); hash != std::string_view::npos) {
    fragment = std::string(query.substr(hash));
    query = query.substr(0, hash);
  }
  std::vector<std::string> params = util::split(query, '&');
  for (auto& p : params) {
    auto eq = p.find('=');
    if (eq != std::string::npos && is_secret_key(p.substr(0, eq))) p = p.substr(0, eq + 1) + std::string(kSecretMask);
  }
  return out + util::join(params, "&") + fragment;
}

}  // namespace lab::config
