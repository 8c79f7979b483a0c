// Whole small objects as text, on any Storage.
#pragma once

#include <lab/storage/storage.hpp>

#include <string>
#include <string_view>

namespace lab::storage {

// Stores `text` under `key` (replacing any object there).
Result<void> put_text(Storage& store, std::string_view key, std::string_view text);

// The whole object under `key` as text; at most `max_bytes` (larger is invalid_argument).
Result<std::string> get_text(Storage& store, std::string_view key, std::size_t max_bytes = 64u << 20);

}  // namespace lab::storage
