// Small storage helpers for the proxy. Private to lab::proxy.
#pragma once

#include <lab/storage/storage.hpp>

#include <string>
#include <string_view>

namespace lab::proxy {

// Stores `text` under `key` (replacing any object there).
Result<void> put_text(storage::Storage& store, std::string_view key, std::string_view text);

// The whole object under `key` as text; at most `max_bytes` (larger is invalid_argument).
Result<std::string> get_text(storage::Storage& store, std::string_view key, std::size_t max_bytes = 64u << 20);

}  // namespace lab::proxy
