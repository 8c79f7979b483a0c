// Where the student CLI keeps who it is signed in as, and which proxy it talks to.
// One JSON file, `credentials.json`, in the config folder: `$LAB_CONFIG_DIR`, else
// `$XDG_CONFIG_HOME/lab`, else `~/.config/lab`. The folder is 0700 and the file 0600,
// written atomically (temp file + rename), because it holds a bearer token.
#pragma once

#include <lab/result.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace lab::cli {

inline constexpr const char* kDefaultProxyUrl = "http://localhost:8800";

struct Credentials {
  std::string proxy_url;  // the proxy these credentials belong to
  std::string user;
  std::string token;
  std::int64_t expires_at_ms = 0;
};

// The config folder (not created).
std::filesystem::path config_dir();

// The stored credentials; nullopt when not signed in. A damaged file is Errc::corrupt with
// a message that says to run `lab login` again.
Result<std::optional<Credentials>> load_credentials();
Result<void> save_credentials(const Credentials& c);
// Removes the file; fine if absent.
Result<void> forget_credentials();

// The proxy to use: `flag` (--proxy) if given, else $LAB_PROXY_URL, else the URL stored with
// the credentials, else kDefaultProxyUrl. A trailing '/' is dropped.
std::string resolve_proxy_url(const std::optional<std::string>& flag, const std::optional<Credentials>& stored);

}  // namespace lab::cli
