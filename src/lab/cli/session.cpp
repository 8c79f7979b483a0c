#include "session.hpp"

#include <lab/cli/command.hpp>

#include <cstdio>
#include <ctime>

namespace lab::cli {

Result<Connection> connect(const std::optional<std::string>& proxy_flag, bool need_login) {
  auto stored = load_credentials();
  if (!stored) return std::unexpected(stored.error());
  if (need_login && !*stored) return fail(Errc::unauthenticated, "not logged in: run `lab login NAME` (or `lab register NAME` for a new account)");
  const std::string url = resolve_proxy_url(proxy_flag, *stored);
  auto client = client::ProxyClient::create(url, *stored ? (*stored)->token : "");
  if (!client) return std::unexpected(client.error());
  return Connection{std::move(*client), std::move(*stored)};
}

int report(std::string_view verb, const Error& error) { return report(verb, error.message); }

int report(std::string_view verb, const std::string& message) {
  std::fprintf(stderr, "lab %.*s: %s\n", static_cast<int>(verb.size()), verb.data(), message.c_str());
  return kExitFailure;
}

std::string local_time(std::int64_t ms) {
  if (ms <= 0) return "-";
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  ::localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

}  // namespace lab::cli
