// The demo's web sign-in: the demo user's account has a random password nobody knows (the CLI
// is signed in directly), so each `lab demo` run gives it a fresh one to type into the web
// pages, printed on the terminal only.
#pragma once

#include <lab/result.hpp>

#include <filesystem>
#include <string>

namespace lab::demo {

// Sets a new random password (16 base64url characters) for the existing `user` in the proxy
// ledger at `proxy_db` and returns it; it is stored only as its scrypt hash. not_found if the
// user does not exist (call sign_in first).
Result<std::string> new_web_password(const std::filesystem::path& proxy_db, const std::string& user);

}  // namespace lab::demo
