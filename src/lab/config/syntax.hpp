// Turning toml++'s parse errors into plain words (private to lab::config).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace lab::config::schema {

// A message for a TOML syntax error that toml++ described as `description`, found on line
// `line` of `text`. Adds a hint for the usual mistakes (text without quotes, a table written
// twice, an unclosed string). When the line sets one of `secret_keys`, nothing of its value
// is repeated, not even toml++'s own description. When the fault is a whole value, `column`
// is moved to where that value starts.
std::string syntax_message(std::string_view description, std::string_view text, int line, int& column,
                           const std::vector<std::string>& secret_keys);

}  // namespace lab::config::schema
