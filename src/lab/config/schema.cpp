// Walks a TOML document against a Schema. The only file of lab::config that includes toml++.
#include "schema.hpp"

#include <lab/config/redact.hpp>
#include <lab/config/units.hpp>
#include <lab/util/strings.hpp>

#include <toml++/toml.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>

#include "syntax.hpp"

namespace lab::config::schema {
namespace {

Location at(const toml::source_region& r) {
  return {static_cast<int>(r.begin.line), static_cast<int>(r.begin.column)};
}

std::string dq(std::string_view s) {
  std::string r;
  r.reserve(s.size() + 2);
  r.push_back('"');
  r.append(s.data(), s.size());
  r.push_back('"');
  return r;
}

std::string type_phrase(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a decimal number";
    case toml::node_type::boolean: return "true/false";
    case toml::node_type::array: return "a list";
    case toml::node_type::table: return "a table";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date and time";
    default: return "nothing";
  }
}

std::string label(const std::string& table, const std::string& key) {
  return table.empty() ? "'" + key + "'" : "'" + key + "' in [" + table + "]";
}

std::optional<std::int64_t> as_int(std::string_view s) {
  s = util::trim(s);
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

// The source text of the value at `loc` (to the end of its line, comment removed): lets a
// hint repeat what the user wrote (`python = "3.10"`, not the float 3.1).
std::string raw_at(std::string_view text, Location loc) {
  std::size_t pos = 0;
  for (int line = 1; line < loc.line && pos != std::string_view::npos; ++line) {
    pos = text.find('\n', pos);
    if (pos != std::string_view::npos) ++pos;
  }
  if (pos == std::string_view::npos) return {};
  std::string_view rest = text.substr(pos);
  rest = rest.substr(0, rest.find('\n'));
  if (static_cast<std::size_t>(loc.column) > rest.size()) return {};
  rest = rest.substr(static_cast<std::size_t>(loc.column - 1));
  rest = rest.substr(0, rest.find('#'));
  return std::string(util::trim(rest));
}

class Walker {
 public:
  Walker(std::string_view text, const Schema& schema, Outcome& out) : text_(text), schema_(schema), out_(out) {}

  void walk(const toml::table& root) {
    const Table* top = find_table("");
    for (auto&& [k, node] : root) {
      std::string name(k.str());
      if (const Table* t = name.empty() ? nullptr : find_table(name)) {
        if (const toml::table* sub = node.as_table()) {
          out_.seen[name] = at(node.source());
          walk_table(*t, *sub);
        } else {
          out_.error(at(k.source()), "'" + name + "' must be a table, got " + type_phrase(node) + ": write [" +
                                         name + "] on a line of its own, with its keys below it");
        }
      } else if (const Key* key = top ? find_key(*top, name) : nullptr) {
        convert("", *key, node);
      } else {
        unknown("", name, k.source(), node);
      }
    }
    for (const Table& t : schema_.tables) {
      if (t.name.empty()) {
        missing_keys(t, {1, 1});
      } else if (out_.has(t.name)) {
        missing_keys(t, out_.seen[t.name]);
      } else if (t.required) {
        out_.error({1, 1}, "missing table [" + t.name + "]" + needs(t));
      }
    }
  }

 private:
  const Table* find_table(std::string_view name) const {
    for (const Table& t : schema_.tables)
      if (t.name == name) return &t;
    return nullptr;
  }
  static const Key* find_key(const Table& t, std::string_view name) {
    for (const Key& k : t.keys)
      if (k.name == name) return &k;
    return nullptr;
  }
  static std::string needs(const Table& t) {
    std::vector<std::string> req;
    for (const Key& k : t.keys)
      if (k.required) req.push_back("'" + k.name + "'");
    return req.empty() ? "" : " (it needs " + util::join(req, ", ") + ")";
  }

  void walk_table(const Table& t, const toml::table& tbl) {
    for (auto&& [k, node] : tbl) {
      std::string name(k.str());
      if (const Key* key = find_key(t, name)) convert(t.name, *key, node);
      else unknown(t.name, name, k.source(), node);
    }
  }

  void missing_keys(const Table& t, Location where) {
    for (const Key& k : t.keys)
      if (k.required && !out_.has(t.name.empty() ? k.name : t.name + "." + k.name))
        out_.error(where, t.name.empty() ? "missing required key '" + k.name + "'"
                                         : "missing required key '" + k.name + "' in [" + t.name + "]");
  }

  // An unknown key or table: say where it belongs, or what it probably meant.
  void unknown(const std::string& table, const std::string& name, const toml::source_region& src, const toml::node& node) {
    const bool is_table = node.is_table();
    const toml::source_region& where = is_table ? node.source() : src;
    std::string what = is_table ? "unknown table [" + (table.empty() ? name : table + "." + name) + "]"
                                : "unknown key '" + name + "'" + (table.empty() ? " at the top level" : " in [" + table + "]");
    // The right key in the wrong place: a top-level key written after a [table] line, or a
    // key of one table written under another.
    if (!is_table) {
      for (const Table& other : schema_.tables) {
        if (other.name == table || !find_key(other, name)) continue;
        std::string hint = other.name.empty()
            ? "; '" + name + "' is a top-level key: move it above the first [table] line"
            : "; '" + name + "' belongs in [" + other.name + "]: move it below the [" + other.name + "] line";
        out_.error(at(where), what + hint);
        return;
      }
    }
    std::vector<std::string> candidates;
    const Table* here = find_table(table);
    if (here)
      for (const Key& k : here->keys) candidates.push_back(k.name);
    if (table.empty())
      for (const Table& t : schema_.tables)
        if (!t.name.empty()) candidates.push_back(t.name);
    if (auto near = util::closest_match(name, candidates)) {
      bool near_is_table = table.empty() && find_table(*near);
      out_.error(at(where), what + (near_is_table ? " (did you mean [" + *near + "]?)" : " (did you mean '" + *near + "'?)"));
      return;
    }
    std::string list;
    if (is_table && table.empty()) {
      std::vector<std::string> names;
      for (const Table& t : schema_.tables)
        if (!t.name.empty()) names.push_back("[" + t.name + "]");
      list = "; the tables are " + util::join(names, ", ");
    } else if (here && !here->keys.empty()) {
      std::vector<std::string> names;
      for (const Key& k : here->keys) names.push_back(k.name);
      list = "; the keys " + std::string(table.empty() ? "at the top level" : "in [" + table + "]") + " are " +
             util::join(names, ", ");
    }
    out_.error(at(where), what + list);
  }

  void convert(const std::string& table, const Key& key, const toml::node& node) {
    const std::string dotted = table.empty() ? key.name : table + "." + key.name;
    const Location loc = at(node.source());
    out_.seen[dotted] = loc;
    Bad bad{out_, loc, label(table, key.name)};
    std::optional<Value> v = to_value(key, node, bad);
    if (!v) return;
    for (const Check& c : key.checks) {
      if (auto problem = c(*v)) {
        bad(*problem);
        return;
      }
    }
    key.store(*v);
    out_.values.emplace_back(dotted, key.secret ? std::string(kSecretMask) : render(key, *v));
  }

  // Reports a problem with one value: "'gpus' in [resources] must be ...".
  struct Bad {
    Outcome& out;
    Location loc;
    std::string label;
    void operator()(const std::string& what) const { out.error(loc, label + " " + what); }
    void at(Location l, const std::string& what) const { out.error(l, label + " " + what); }
  };

  std::string type_error(const Key& key, const std::string& expected, const toml::node& node) const {
    std::string msg = "must be " + expected + ", got " + type_phrase(node);
    if (key.secret) return msg;
    std::string raw = raw_at(text_, at(node.source()));
    if (node.is_string()) {
      std::string s = *node.value<std::string>();
      if ((key.kind == Kind::integer || key.kind == Kind::number) && as_int(s))
        return msg + "; remove the quotes: " + key.name + " = " + std::string(util::trim(s));
      if (key.kind == Kind::boolean && (s == "true" || s == "false"))
        return msg + "; remove the quotes: " + key.name + " = " + s;
      if (key.kind == Kind::string_list || key.kind == Kind::mappings)
        return msg + "; put it in a list: " + key.name + " = [" + dq(s) + "]";
    }
    if (key.kind == Kind::string && !raw.empty() && !node.is_array() && !node.is_table())
      return msg + "; put it in quotes: " + key.name + " = " + dq(raw);
    return msg;
  }

  std::optional<Value> to_value(const Key& key, const toml::node& node, const Bad& bad) const {
    switch (key.kind) {
      case Kind::string: {
        if (!node.is_string()) return bad(type_error(key, "a string", node)), std::nullopt;
        std::string s = *node.value<std::string>();
        if (!key.choices.empty() && std::find(key.choices.begin(), key.choices.end(), s) == key.choices.end()) {
          std::vector<std::string> q;
          for (const auto& c : key.choices) q.push_back(dq(c));
          std::string msg = "must be " + (q.size() == 1 ? q[0] : q.size() == 2 ? q[0] + " or " + q[1] : "one of " + util::join(q, ", ")) +
                            ", got " + dq(s);
          if (auto near = util::closest_match(s, key.choices)) msg += " (did you mean " + dq(*near) + "?)";
          return bad(msg), std::nullopt;
        }
        return s;
      }
      case Kind::integer: {
        if (node.is_floating_point())
          return bad("must be a whole number, got " + raw_at(text_, at(node.source()))), std::nullopt;
        if (!node.is_integer()) return bad(type_error(key, "an integer", node)), std::nullopt;
        std::int64_t v = *node.value<std::int64_t>();
        if (v < key.min || v > key.max) return bad(range_error(key, std::to_string(v))), std::nullopt;
        return v;
      }
      case Kind::number: {
        if (!node.is_number()) return bad(type_error(key, "a number", node)), std::nullopt;
        double v = *node.value<double>();
        if (v < static_cast<double>(key.min) || v > static_cast<double>(key.max))
          return bad(range_error(key, raw_at(text_, at(node.source())))), std::nullopt;
        return v;
      }
      case Kind::boolean:
        if (!node.is_boolean()) return bad(type_error(key, "true or false", node)), std::nullopt;
        return *node.value<bool>();
      case Kind::string_list: {
        const toml::array* a = node.as_array();
        if (!a) return bad(type_error(key, "a list of strings", node)), std::nullopt;
        std::vector<std::string> out;
        bool ok = true;
        for (std::size_t i = 0; i < a->size(); ++i) {
          const toml::node& e = *a->get(i);
          if (e.is_string()) out.push_back(*e.value<std::string>());
          else ok = false, bad.at(at(e.source()), "must be a list of strings, but item " + std::to_string(i + 1) +
                                                      " is " + type_phrase(e));
        }
        if (!ok) return std::nullopt;
        return out;
      }
      case Kind::string_map: {
        const toml::table* t = node.as_table();
        if (!t) return bad(type_error(key, "a table of strings", node)), std::nullopt;
        std::map<std::string, std::string> out;
        bool ok = true;
        for (auto&& [k, e] : *t) {
          if (e.is_string()) out[std::string(k.str())] = *e.value<std::string>();
          else ok = false, bad.at(at(e.source()), "must hold only strings, but '" + std::string(k.str()) + "' is " +
                                                      type_phrase(e) + (e.is_table() || e.is_array() ? "" : "; put it in quotes"));
        }
        if (!ok) return std::nullopt;
        return out;
      }
      case Kind::memory: {
        Result<std::uint64_t> r = node.is_string()    ? parse_memory(*node.value<std::string>())
                                  : node.is_integer() ? memory_from_mib(*node.value<std::int64_t>())
                                                      : fail(Errc::invalid_argument, type_error(key, "a size like \"16G\"", node));
        if (!r) return bad(node.is_string() || node.is_integer() ? "is not a valid memory size: " + r.error().message
                                                                 : r.error().message), std::nullopt;
        return static_cast<std::int64_t>(*r);
      }
      case Kind::duration: {
        Result<std::int64_t> r = node.is_string()    ? parse_duration(*node.value<std::string>())
                                 : node.is_integer() ? duration_from_minutes(*node.value<std::int64_t>())
                                                     : fail(Errc::invalid_argument, type_error(key, "a time like \"2:00:00\"", node));
        if (!r) return bad(node.is_string() || node.is_integer() ? "is not a valid time limit: " + r.error().message
                                                                 : r.error().message), std::nullopt;
        return *r;
      }
      case Kind::mappings: return to_mappings(key, node, bad);
      case Kind::int_list: return to_int_list(key, node, bad);
    }
    return std::nullopt;
  }

  static std::string range_error(const Key& key, const std::string& got) {
    if (key.max == std::numeric_limits<std::int64_t>::max()) return "must be at least " + std::to_string(key.min) + ", got " + got;
    return "must be between " + std::to_string(key.min) + " and " + std::to_string(key.max) + ", got " + got;
  }

  std::optional<Value> to_mappings(const Key& key, const toml::node& node, const Bad& bad) const {
    const toml::array* a = node.as_array();
    if (!a) return bad(type_error(key, "a list", node)), std::nullopt;
    Pairs out;
    bool ok = true;
    for (std::size_t i = 0; i < a->size(); ++i) {
      const toml::node& e = *a->get(i);
      const std::string item = "item " + std::to_string(i + 1);
      if (e.is_string()) {
        out.emplace_back(*e.value<std::string>(), *e.value<std::string>());
        continue;
      }
      const toml::table* t = e.as_table();
      if (!t) {
        ok = false;
        bad.at(at(e.source()), item + " must be a path or a table { local = \"...\", remote = \"...\" }, got " + type_phrase(e));
        continue;
      }
      std::optional<std::string> local, remote;
      for (auto&& [k, v] : *t) {
        std::string name(k.str());
        std::optional<std::string>* slot = name == "local" ? &local : name == "remote" ? &remote : nullptr;
        if (!slot) {
          static const std::vector<std::string> names{"local", "remote"};
          auto near = util::closest_match(name, names);
          bad.at(at(k.source()), item + " has an unknown key '" + name + "'" +
                                     (near ? " (did you mean '" + *near + "'?)" : "; use 'local' and 'remote'"));
          ok = false;
        } else if (!v.is_string()) {
          bad.at(at(v.source()), item + ": '" + name + "' must be a string, got " + type_phrase(v));
          ok = false;
        } else {
          *slot = *v.value<std::string>();
        }
      }
      if (!local) {
        if (ok) bad.at(at(e.source()), item + " needs 'local' (the path to upload)");
        ok = false;
        continue;
      }
      out.emplace_back(*local, remote.value_or(*local));
    }
    if (!ok) return std::nullopt;
    return out;
  }

  std::optional<Value> to_int_list(const Key& key, const toml::node& node, const Bad& bad) const {
    std::vector<std::int64_t> out;
    if (node.is_string()) {
      std::string s = *node.value<std::string>();
      if (util::trim(s).empty()) return out;
      for (const std::string& part : util::split(s, ',')) {
        auto v = as_int(part);
        if (!v || *v < key.min || *v > key.max)
          return bad("must list numbers from " + std::to_string(key.min) + " to " + std::to_string(key.max) +
                     " separated by commas, like \"0,1\"; \"" + std::string(util::trim(part)) + "\" is not one"), std::nullopt;
        out.push_back(*v);
      }
      return out;
    }
    const toml::array* a = node.as_array();
    if (!a) return bad(type_error(key, "a list of numbers like [0, 1]", node)), std::nullopt;
    for (std::size_t i = 0; i < a->size(); ++i) {
      const toml::node& e = *a->get(i);
      if (!e.is_integer()) return bad.at(at(e.source()), "must be a list of whole numbers, but item " + std::to_string(i + 1) + " is " + type_phrase(e)), std::nullopt;
      std::int64_t v = *e.value<std::int64_t>();
      if (v < key.min || v > key.max) return bad.at(at(e.source()), range_error(key, std::to_string(v))), std::nullopt;
      out.push_back(v);
    }
    return out;
  }

  static std::string render(const Key& key, const Value& v) {
    auto list = [](const std::vector<std::string>& items) {
      std::vector<std::string> q;
      for (const auto& s : items) q.push_back(dq(s));
      return "[" + util::join(q, ", ") + "]";
    };
    if (key.kind == Kind::memory) return dq(util::human_bytes(static_cast<std::uint64_t>(std::get<std::int64_t>(v))));
    if (key.kind == Kind::duration) return dq(format_duration(std::get<std::int64_t>(v)));
    return std::visit([&](const auto& x) -> std::string {
      using T = std::decay_t<decltype(x)>;
      if constexpr (std::is_same_v<T, bool>) return x ? "true" : "false";
      else if constexpr (std::is_same_v<T, std::int64_t>) return std::to_string(x);
      else if constexpr (std::is_same_v<T, double>) { std::ostringstream o; o << x; return o.str(); }
      else if constexpr (std::is_same_v<T, std::string>) return dq(redact_url(x));
      else if constexpr (std::is_same_v<T, std::vector<std::string>>) return list(x);
      else if constexpr (std::is_same_v<T, std::vector<std::int64_t>>) {
        std::vector<std::string> s;
        for (auto i : x) s.push_back(std::to_string(i));
        return "[" + util::join(s, ", ") + "]";
      } else if constexpr (std::is_same_v<T, std::map<std::string, std::string>>) {
        std::vector<std::string> s;
        for (const auto& [k, val] : x) s.push_back(k + " = " + (is_secret_key(k) ? dq(kSecretMask) : dq(val)));
        return "{ " + util::join(s, ", ") + " }";
      } else {
        std::vector<std::string> s;
        for (const auto& [l, r] : x) s.push_back("{ local = " + dq(l) + ", remote = " + dq(r) + " }");
        return "[" + util::join(s, ", ") + "]";
      }
    }, v);
  }

  std::string_view text_;
  const Schema& schema_;
  Outcome& out_;
};

std::vector<std::string> secret_names(const Schema& schema) {
  std::vector<std::string> out;
  for (const Table& t : schema.tables)
    for (const Key& k : t.keys)
      if (k.secret) out.push_back(k.name);
  return out;
}

}  // namespace

void Outcome::error(Location at, std::string message) {
  errors.push_back(Diagnostic{file, at.line, at.column, std::move(message)});
}

Location Outcome::where(const std::string& dotted) const {
  if (auto it = seen.find(dotted); it != seen.end()) return it->second;
  if (auto dot = dotted.find('.'); dot != std::string::npos)
    if (auto it = seen.find(dotted.substr(0, dot)); it != seen.end()) return it->second;
  return {1, 1};
}

Outcome apply(std::string_view text, std::string_view file, const Schema& schema) {
  Outcome out;
  out.file = std::string(file);
  toml::table root;
  try {
    root = toml::parse(text, std::string_view(file));
  } catch (const toml::parse_error& e) {
    Location loc = at(e.source());
    std::string message = syntax_message(e.description(), text, loc.line, loc.column, secret_names(schema));
    out.error(loc, std::move(message));
    return out;
  }
  out.parsed = true;
  Walker(text, schema, out).walk(root);
  std::stable_sort(out.errors.begin(), out.errors.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return std::tie(a.line, a.column) < std::tie(b.line, b.column);
  });
  return out;
}

}  // namespace lab::config::schema
