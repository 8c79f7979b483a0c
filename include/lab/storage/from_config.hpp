// Turns a role config's [storage] section into StorageOptions and opens it, so the proxy, the
// remote and `lab demo` open storage the same way (docs/config.md, docs/storage.md).
#pragma once

#include <lab/config/sections.hpp>
#include <lab/storage/storage.hpp>

#include <functional>
#include <memory>

namespace lab::storage {

// The options `section` describes. For s3: the endpoint defaults to AWS's for the region;
// access key, secret and session token come from the section or, when it has neither key nor
// secret, from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN as read by
// `getenv` (the process environment by default).
StorageOptions options_from_config(const config::StorageSection& section,
                                   const std::function<const char*(const char*)>& getenv = nullptr);

// make_storage(options_from_config(section)); errors say which config file to check
// (`config_file`, e.g. "remote.toml").
Result<std::unique_ptr<Storage>> open_storage(const config::StorageSection& section, std::string_view config_file);

}  // namespace lab::storage
