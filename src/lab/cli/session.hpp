// What every student verb that talks to the proxy shares: the --proxy flag, opening a
// lab::client::ProxyClient with the stored session, and reporting failures as one line.
#pragma once

#include <lab/cli/credentials.hpp>
#include <lab/client/proxy_client.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace lab::cli {

// An open client and the credentials it was opened with (nullopt when logged out).
struct Connection {
  std::unique_ptr<client::ProxyClient> client;
  std::optional<Credentials> credentials;
};

// Opens the proxy chosen by resolve_proxy_url(). With `need_login`, fails without a request
// (Errc::unauthenticated, "not logged in ...") when no session is stored.
Result<Connection> connect(const std::optional<std::string>& proxy_flag, bool need_login);

// Prints "lab VERB: message" on stderr; returns kExitFailure.
int report(std::string_view verb, const Error& error);
int report(std::string_view verb, const std::string& message);

// "2026-11-30 23:50:01" in local time; "-" for 0.
std::string local_time(std::int64_t ms);

}  // namespace lab::cli
