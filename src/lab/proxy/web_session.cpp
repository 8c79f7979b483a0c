#include "web_session.hpp"

#include <lab/auth/password.hpp>

namespace lab::proxy {

std::optional<std::string> session_cookie(const httplib::Request& req) {
  const std::string prefix = std::string(kSessionCookie) + "=";
  for (std::size_t i = 0, n = req.get_header_value_count("Cookie"); i < n; ++i) {
    const std::string header = req.get_header_value("Cookie", i);
    std::string_view rest = header;
    while (!rest.empty()) {
      const auto semi = rest.find(';');
      std::string_view pair = rest.substr(0, semi);
      while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
      if (pair.starts_with(prefix) && pair.size() > prefix.size()) return std::string(pair.substr(prefix.size()));
      rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
    }
  }
  return std::nullopt;
}

std::string csrf_token(std::string_view session_token) {
  return auth::token_digest("lab-csrf:" + std::string(session_token));
}

std::string session_cookie_header(std::string_view token, long long max_age_s, bool tls) {
  std::string c = std::string(kSessionCookie) + "=" + std::string(token) +
                  "; Path=/; Max-Age=" + std::to_string(max_age_s) + "; HttpOnly; SameSite=Strict";
  if (tls) c += "; Secure";
  return c;
}

bool is_safe_method(std::string_view method) { return method == "GET" || method == "HEAD" || method == "OPTIONS"; }

bool same_origin(const httplib::Request& req, bool tls) {
  const std::string site = req.get_header_value("Sec-Fetch-Site");
  if (site == "cross-site" || site == "same-site") return false;
  if (!req.has_header("Origin")) return true;
  const std::string origin = req.get_header_value("Origin");
  const std::string host = req.get_header_value("Host");
  return !host.empty() && origin == std::string(tls ? "https://" : "http://") + host;
}

std::string csrf_problem(const httplib::Request& req, std::string_view token, bool tls) {
  if (is_safe_method(req.method)) return "";
  if (!same_origin(req, tls)) return "this request came from another site; the proxy refuses it";
  const std::string sent = req.get_header_value(std::string(kCsrfHeader));
  if (sent.empty() || !auth::constant_time_equal(sent, csrf_token(token)))
    return "this request lacks the page's CSRF token; reload the page and try again";
  return "";
}

}  // namespace lab::proxy
