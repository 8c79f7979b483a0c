#include "syntax.hpp"

#include <lab/util/strings.hpp>

#include <algorithm>
#include <cctype>

namespace lab::config::schema {
namespace {

std::string_view line_of(std::string_view text, int line) {
  std::size_t pos = 0;
  for (int i = 1; i < line; ++i) {
    pos = text.find('\n', pos);
    if (pos == std::string_view::npos) return {};
    ++pos;
  }
  std::string_view rest = text.substr(pos);
  return rest.substr(0, rest.find('\n'));
}

bool looks_like_toml_value(std::string_view v) {
  if (v.empty()) return true;
  char c = v.front();
  return c == '"' || c == '\'' || c == '[' || c == '{' || c == '+' || c == '-' ||
         std::isdigit(static_cast<unsigned char>(c)) || v == "true" || v == "false" || v == "inf" || v == "nan";
}

bool is_bare_key(std::string_view k) {
  return !k.empty() && std::all_of(k.begin(), k.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
  });
}

bool starts_with_ci(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && util::to_lower(s.substr(0, p.size())) == util::to_lower(p);
}

}  // namespace

std::string syntax_message(std::string_view description, std::string_view text, int line, int& column,
                           const std::vector<std::string>& secret_keys) {
  std::string_view full = line_of(text, line);
  std::string_view src = util::trim(full);
  int value_column = column;
  if (auto eq = full.find('='); eq != std::string_view::npos) {
    auto start = full.find_first_not_of(" \t", eq + 1);
    if (start != std::string_view::npos) value_column = static_cast<int>(start) + 1;
  }
  // "key = value" on the failing line, if it is one.
  std::string key, value;
  if (auto eq = src.find('='); eq != std::string_view::npos && !src.starts_with("[")) {
    key = std::string(util::trim(src.substr(0, eq)));
    std::string_view v = src.substr(eq + 1);
    value = std::string(util::trim(v.substr(0, v.find('#'))));
    if (!is_bare_key(key)) key.clear();
  }
  std::string leaf = key.substr(key.rfind('.') == std::string::npos ? 0 : key.rfind('.') + 1);
  bool secret = !leaf.empty() && std::find(secret_keys.begin(), secret_keys.end(), leaf) != secret_keys.end();

  const std::string desc(description);
  auto has = [&](std::string_view s) { return desc.find(s) != std::string::npos; };

  if (secret || (!key.empty() && !value.empty() && !looks_like_toml_value(value)) ||
      (!key.empty() && !value.empty() && std::isdigit(static_cast<unsigned char>(value.front()))))
    column = value_column;
  if (!key.empty() && value.empty() && src.find('=') != std::string_view::npos)
    return "'" + key + "' has no value; write one after the '='";
  if (secret)
    return "the value of '" + key + "' is not valid TOML; write it in double quotes: " + key + " = \"...\"";
  if (!key.empty() && !value.empty() && !looks_like_toml_value(value) &&
      (has("could not determine value type") || has("expected") || has("parsing boolean")))
    return "the value of '" + key + "' is not valid TOML; text must be in double quotes: " + key + " = \"" + value + "\"";
  if (!key.empty() && !value.empty() && std::isdigit(static_cast<unsigned char>(value.front())) &&
      (has("parsing decimal integer") || has("parsing time") || has("parsing date") || has("parsing floating")))
    return "the value of '" + key + "' is not a valid TOML number; if it is text, quote it: " + key + " = \"" + value + "\"";
  if (has("cannot redefine existing table")) {
    auto q1 = desc.find('\''), q2 = desc.rfind('\'');
    std::string name = q1 != q2 ? desc.substr(q1 + 1, q2 - q1 - 1) : "this table";
    return "[" + name + "] appears twice; put all of its keys under one [" + name + "] line";
  }
  if (has("cannot redefine existing")) {
    auto q1 = desc.find('\''), q2 = desc.rfind('\'');
    std::string name = q1 != q2 ? desc.substr(q1 + 1, q2 - q1 - 1) : key;
    return "'" + name + "' is set twice in the same table; keep only one";
  }
  if (has("parsing string") && has("end-of-file"))
    return "a string is not closed; add the closing quote";
  if (has("parsing string") && has("control characters"))
    return "a string in double quotes must end on the same line; close the quote, or use \"\"\" for text over several lines";
  if (has("parsing table header") || has("parsing array-of-tables header")) {
    std::string d = desc.substr(desc.find(':') == std::string::npos ? 0 : desc.find(':') + 2);
    return "invalid table header (" + d + "); write it as [name] on a line of its own";
  }
  if (src.find("==") != std::string_view::npos) return "invalid TOML: use a single '=' between key and value";
  // Fall back on toml++'s words, without its "Error while parsing" preamble.
  std::string d = desc;
  if (starts_with_ci(d, "Error while parsing ")) {
    std::string rest = d.substr(20);
    auto colon = rest.find(": ");
    d = colon == std::string::npos ? rest : rest.substr(colon + 2) + " (in " + rest.substr(0, colon) + ")";
  }
  return "invalid TOML: " + d;
}

}  // namespace lab::config::schema
