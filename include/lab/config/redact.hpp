// Keeping secrets out of logs and messages.
#pragma once

#include <string>
#include <string_view>

namespace lab::config {

// What a secret value is shown as wherever a config is printed.
inline constexpr std::string_view kSecretMask = "********";

// `url` safe to log: a password in the userinfo becomes "********" ("https://bob:********@host/"),
// and the values of query parameters that look like credentials (token, key, secret,
// password, signature, X-Amz-Credential, X-Amz-Signature, ...) become "********". Anything
// that is not a URL is returned unchanged.
std::string redact_url(std::string_view url);

// True when a key name looks like it holds a credential (token, password, secret_key,
// invite_code, session_token, ...), whatever its table.
bool is_secret_key(std::string_view key);

}  // namespace lab::config
