// The declarative schema every config file is checked against (private to lab::config).
// A Schema lists tables and their keys; each Key says what TOML it accepts, how to check it,
// and where to store it. `apply` walks a TOML document against a Schema, stores what is valid,
// and collects every problem with its line and column. Adding a key is one line:
//   integer("gpus", spec.resources.gpus, 0, 64),
#pragma once

#include <lab/config/diagnostic.hpp>

#include <concepts>
#include <expected>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace lab::config::schema {

struct Location {
  int line = 0;
  int column = 0;
};

using Pairs = std::vector<std::pair<std::string, std::string>>;

// A value after conversion from TOML, in the form its Kind promises.
using Value = std::variant<bool, std::int64_t, double, std::string, std::vector<std::string>,
                           std::vector<std::int64_t>, std::map<std::string, std::string>, Pairs>;

// What TOML a key accepts and what Value it becomes.
enum class Kind {
  string,       // TOML string -> std::string
  integer,      // TOML integer in [min, max] -> int64
  boolean,      // true/false -> bool
  number,       // integer or float in [min, max] -> double
  string_list,  // array of strings -> vector<string>
  string_map,   // table of strings ([run.env]) -> map
  memory,       // "16G" or integer MiB -> int64 bytes
  duration,     // "1:00:00" or integer minutes -> int64 seconds
  mappings,     // array of strings or {local, remote} tables -> Pairs
  int_list,     // array of integers, or "0,1" -> vector<int64>
};

// A further check on a converted value: what is wrong with it ("must be a relative path"),
// or nullopt when it is fine. Messages must not contain the value of a secret key.
using Check = std::function<std::optional<std::string>(const Value&)>;

struct Key {
  std::string name;
  Kind kind = Kind::string;
  bool required = false;
  bool secret = false;                             // value never shown in messages or dumps
  std::vector<std::string> choices;                // string keys: the only allowed values
  std::int64_t min = std::numeric_limits<std::int64_t>::min();
  std::int64_t max = std::numeric_limits<std::int64_t>::max();
  std::vector<Check> checks;
  std::function<void(const Value&)> store;         // called once with a valid value

  Key&& require() && { required = true; return std::move(*this); }
  Key&& hide() && { secret = true; return std::move(*this); }
  Key&& check(Check c) && { checks.push_back(std::move(c)); return std::move(*this); }
};

// A table ([resources]); the table named "" holds the top-level keys.
struct Table {
  std::string name;
  std::vector<Key> keys;
  bool required = false;
};

struct Schema {
  std::vector<Table> tables;
};

// What `apply` found.
struct Outcome {
  std::string file;
  bool parsed = false;                             // the text was valid TOML
  std::vector<Diagnostic> errors;
  std::map<std::string, Location> seen;            // "run.command" and "run" -> where written
  Pairs values;                                    // dotted key -> TOML text, secrets masked

  // Records a problem at `at`.
  void error(Location at, std::string message);
  // Where `dotted` was written; else where its table was; else 1:1.
  Location where(const std::string& dotted) const;
  bool has(const std::string& dotted) const { return seen.contains(dotted); }
};

// Parses `text` as TOML and checks it against `schema`, storing every valid value through
// its Key's `store`. Never throws. Errors are sorted by position.
Outcome apply(std::string_view text, std::string_view file, const Schema& schema);

// Reads a whole file; a Diagnostic without a line when it cannot be read.
std::expected<std::string, Diagnostic> read_file(const std::filesystem::path& path);

// --- Key constructors: one per kind of field ---

Key text(std::string name, std::string& out);
Key text(std::string name, std::optional<std::string>& out);
Key choice(std::string name, std::string& out, std::vector<std::string> choices);
Key flag(std::string name, bool& out);
Key number(std::string name, double& out, std::int64_t min, std::int64_t max);
Key strings(std::string name, std::vector<std::string>& out);
Key string_map(std::string name, std::map<std::string, std::string>& out);
Key memory(std::string name, std::uint64_t& out);
Key duration(std::string name, std::int64_t& out);
Key mappings(std::string name, Pairs& out);
Key int_list(std::string name, std::vector<int>& out);
// A path; relative ones are made absolute against `base` (role configs).
Key path(std::string name, std::string& out, const std::filesystem::path& base);
Key path(std::string name, std::optional<std::string>& out, const std::filesystem::path& base);

// A Key of `kind` with no checks and no store yet.
Key make(std::string name, Kind kind, std::int64_t min = std::numeric_limits<std::int64_t>::min(),
         std::int64_t max = std::numeric_limits<std::int64_t>::max());

template <std::integral T>
Key integer(std::string name, T& out, std::int64_t min, std::int64_t max) {
  Key k = make(std::move(name), Kind::integer, min, max);
  k.store = [&out](const Value& v) { out = static_cast<T>(std::get<std::int64_t>(v)); };
  return k;
}

// --- Checks shared by several files ---

// A path relative to the project that stays inside it (no leading '/', no "..").
std::optional<std::string> inside_project(const Value& v);
// Not empty.
std::optional<std::string> not_empty(const Value& v);
// An http:// or https:// URL.
std::optional<std::string> http_url(const Value& v);

}  // namespace lab::config::schema
