// Small string helpers shared by every module.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace lab::util {

// Splits on `sep`, keeping empty fields ("a,,b" -> {"a","","b"}).
std::vector<std::string> split(std::string_view s, char sep);
std::string_view trim(std::string_view s);
bool starts_with(std::string_view s, std::string_view prefix);
bool ends_with(std::string_view s, std::string_view suffix);
std::string to_lower(std::string_view s);
std::string join(std::span<const std::string> parts, std::string_view sep);

// Levenshtein distance (insert, delete, substitute, and swap of neighbours count 1).
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `word`, if it is close enough to be a likely typo
// (distance at most max(1, len/3)); for "did you mean ...?" hints.
std::optional<std::string> closest_match(std::string_view word, std::span<const std::string> candidates);

// "1.5 GiB", "820 KiB", "12 B".
std::string human_bytes(std::uint64_t bytes);

// Lower-case hex of `data`.
std::string to_hex(std::span<const unsigned char> data);

}  // namespace lab::util
