// The Key constructors and shared checks of schema.hpp.
#include "schema.hpp"

#include <lab/util/strings.hpp>

#include <fstream>
#include <sstream>

namespace lab::config::schema {
namespace {

std::string absolute_from(const std::filesystem::path& base, const std::string& p) {
  std::filesystem::path path(p);
  if (path.is_relative()) path = base / path;
  return path.lexically_normal().string();
}

}  // namespace

Key make(std::string name, Kind kind, std::int64_t min, std::int64_t max) {
  Key k;
  k.name = std::move(name);
  k.kind = kind;
  k.min = min;
  k.max = max;
  return k;
}

Key text(std::string name, std::string& out) {
  Key k = make(std::move(name), Kind::string);
  k.store = [&out](const Value& v) { out = std::get<std::string>(v); };
  return k;
}

Key text(std::string name, std::optional<std::string>& out) {
  Key k = make(std::move(name), Kind::string);
  k.store = [&out](const Value& v) { out = std::get<std::string>(v); };
  return k;
}

Key choice(std::string name, std::string& out, std::vector<std::string> choices) {
  Key k = text(std::move(name), out);
  k.choices = std::move(choices);
  return k;
}

Key flag(std::string name, bool& out) {
  Key k = make(std::move(name), Kind::boolean);
  k.store = [&out](const Value& v) { out = std::get<bool>(v); };
  return k;
}

Key number(std::string name, double& out, std::int64_t min, std::int64_t max) {
  Key k = make(std::move(name), Kind::number, min, max);
  k.store = [&out](const Value& v) { out = std::get<double>(v); };
  return k;
}

Key strings(std::string name, std::vector<std::string>& out) {
  Key k = make(std::move(name), Kind::string_list);
  k.store = [&out](const Value& v) { out = std::get<std::vector<std::string>>(v); };
  return k;
}

Key string_map(std::string name, std::map<std::string, std::string>& out) {
  Key k = make(std::move(name), Kind::string_map);
  k.store = [&out](const Value& v) { out = std::get<std::map<std::string, std::string>>(v); };
  return k;
}

Key memory(std::string name, std::uint64_t& out) {
  Key k = make(std::move(name), Kind::memory);
  k.store = [&out](const Value& v) { out = static_cast<std::uint64_t>(std::get<std::int64_t>(v)); };
  return k;
}

Key duration(std::string name, std::int64_t& out) {
  Key k = make(std::move(name), Kind::duration);
  k.store = [&out](const Value& v) { out = std::get<std::int64_t>(v); };
  return k;
}

Key mappings(std::string name, Pairs& out) {
  Key k = make(std::move(name), Kind::mappings);
  k.store = [&out](const Value& v) { out = std::get<Pairs>(v); };
  return k;
}

Key int_list(std::string name, std::vector<int>& out) {
  Key k = make(std::move(name), Kind::int_list, 0, 1023);
  k.store = [&out](const Value& v) {
    out.clear();
    for (std::int64_t i : std::get<std::vector<std::int64_t>>(v)) out.push_back(static_cast<int>(i));
  };
  return k;
}

Key path(std::string name, std::string& out, const std::filesystem::path& base) {
  Key k = make(std::move(name), Kind::string);
  k.checks.push_back(not_empty);
  k.store = [&out, base](const Value& v) { out = absolute_from(base, std::get<std::string>(v)); };
  return k;
}

Key path(std::string name, std::optional<std::string>& out, const std::filesystem::path& base) {
  Key k = make(std::move(name), Kind::string);
  k.checks.push_back(not_empty);
  k.store = [&out, base](const Value& v) { out = absolute_from(base, std::get<std::string>(v)); };
  return k;
}

std::optional<std::string> inside_project(const Value& v) {
  const auto* s = std::get_if<std::string>(&v);
  if (!s) return std::nullopt;
  if (s->empty()) return "must not be empty; use \".\" for the project folder";
  std::filesystem::path p(*s);
  if (p.is_absolute() || s->starts_with("~"))
    return "must be a path inside the project folder, relative to it, got \"" + *s + "\"";
  auto norm = p.lexically_normal().string();
  if (norm == ".." || norm.starts_with("../"))
    return "must stay inside the project folder, but \"" + *s + "\" leads out of it with \"..\"";
  return std::nullopt;
}

std::optional<std::string> not_empty(const Value& v) {
  const auto* s = std::get_if<std::string>(&v);
  if (s && util::trim(*s).empty()) return "must not be empty";
  return std::nullopt;
}

std::optional<std::string> http_url(const Value& v) {
  const auto* s = std::get_if<std::string>(&v);
  if (!s) return std::nullopt;
  if (util::starts_with(*s, "http://") || util::starts_with(*s, "https://")) {
    std::string_view rest = std::string_view(*s).substr(s->find("//") + 2);
    if (!rest.empty() && rest.front() != '/') return std::nullopt;
  }
  return "must be a URL starting with http:// or https://, like \"https://lab.example.org\"";
}

std::expected<std::string, Diagnostic> read_file(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    return std::unexpected(Diagnostic{path.string(), 0, 0, "no such file"});
  if (std::filesystem::is_directory(path, ec))
    return std::unexpected(Diagnostic{path.string(), 0, 0, "is a folder, not a config file"});
  std::ifstream in(path, std::ios::binary);
  if (!in.is_open()) return std::unexpected(Diagnostic{path.string(), 0, 0, "cannot be opened (check its permissions)"});
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) return std::unexpected(Diagnostic{path.string(), 0, 0, "cannot be read"});
  return buf.str();
}

}  // namespace lab::config::schema
