// The rules every storage key follows, whatever the backend.
#pragma once

#include <cstddef>
#include <string_view>

#include <lab/result.hpp>

namespace lab::storage {

// Longest key, in bytes (S3's own limit).
inline constexpr std::size_t kMaxKeyBytes = 1024;

// Longest key segment, in bytes (what a local filesystem stores as one name).
inline constexpr std::size_t kMaxSegmentBytes = 255;

// Segments starting with this are reserved for a backend's own bookkeeping (temp files).
inline constexpr std::string_view kReservedSegmentPrefix = ".lab-";

// Succeeds if `key` is a valid storage key: 1..kMaxKeyBytes bytes of valid UTF-8 without
// control characters (so no NUL); '/'-separated segments, none empty (no leading, trailing
// or doubled '/'), none "." or "..", none longer than kMaxSegmentBytes, none starting with
// kReservedSegmentPrefix. Spaces, unicode and `+ = & % ?` are allowed. Otherwise
// Errc::invalid_argument with a message naming the key and the broken rule.
Result<void> validate_key(std::string_view key);

}  // namespace lab::storage
