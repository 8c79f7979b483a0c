// How the proxy client turns failed requests into sentences a student can act on
// (private to lab::client).
#pragma once

#include <lab/result.hpp>

#include <httplib.h>

#include <string>
#include <string_view>

namespace lab::client {

// The request got no answer: "cannot reach the proxy at URL (connection refused) — is
// `lab proxy` running? Set LAB_PROXY_URL to point elsewhere." (Errc::unavailable), or a
// dropped/timed-out read (Errc::timeout).
Error transport_error(httplib::Error e, std::string_view url);

// How an answer with status >= 400 reads. `auth_call` marks register/login, whose 401 means
// a wrong name or password (the proxy's message is shown) rather than a missing session.
Error api_error(int status, std::string_view body, std::string_view url, std::string_view path, bool auth_call = false);

// The message the student sees for a missing or expired session.
inline constexpr const char* kNotLoggedIn = "not logged in (or session expired): run `lab login NAME`";

}  // namespace lab::client
