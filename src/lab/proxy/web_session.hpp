// The web pages' sign-in: the same sessions as bearer tokens, carried in a cookie, with
// cross-site request forgery refused (docs/web.md, "Security"). Private to lab::proxy.
//
// A browser signed in by cookie must send, on every request that changes state (anything
// but GET/HEAD), the header `X-Lab-CSRF` with the session's CSRF token, and an `Origin` (when
// it sends one) naming this proxy. The token is derived from the session's secret, so a
// page on another site can neither read the cookie nor compute the token.
#pragma once

#include <httplib.h>

#include <optional>
#include <string>
#include <string_view>

namespace lab::proxy {

// The cookie that carries the session token.
inline constexpr std::string_view kSessionCookie = "lab_session";
// The header a cookie-authenticated state-changing request must carry.
inline constexpr std::string_view kCsrfHeader = "X-Lab-CSRF";

// The session token from the request's Cookie header, if any.
std::optional<std::string> session_cookie(const httplib::Request& req);

// The CSRF token of the session whose token is `session_token`: hex SHA-256 of a fixed
// label and the token (never equal to the stored token digest).
std::string csrf_token(std::string_view session_token);

// The Set-Cookie value that stores `token` for `max_age_s` seconds (0 = delete it):
// HttpOnly, SameSite=Strict, Path=/, and Secure when `tls`.
std::string session_cookie_header(std::string_view token, long long max_age_s, bool tls);

// True if GET, HEAD or OPTIONS: requests that never change state.
bool is_safe_method(std::string_view method);

// True if the request's Origin header is absent or names the host it was sent to (scheme
// `tls` ? https : http, and the Host header), and Sec-Fetch-Site, when sent, is not
// "cross-site" or "same-site".
bool same_origin(const httplib::Request& req, bool tls);

// Empty if a cookie-authenticated request with session token `token` may go on; else why
// not, in plain words (the caller answers 403).
std::string csrf_problem(const httplib::Request& req, std::string_view token, bool tls);

}  // namespace lab::proxy
