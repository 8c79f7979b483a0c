// uv.lock → pip requirements + constraints. The only file of lab::envs that includes toml++.
#include "uv_lock.hpp"

#include <lab/util/strings.hpp>

#include <toml++/toml.h>

#include <algorithm>
#include <fstream>
#include <map>

namespace lab::envs::detail {

namespace fs = std::filesystem;

namespace {

constexpr std::int64_t kNewestLockVersion = 1;
constexpr const char* kInstallUv = "install uv on the cluster, or add a requirements.txt made with "
                                   "`uv export --format requirements-txt`";

bool is_name(std::string_view s) {
  if (s.empty() || !std::isalnum(static_cast<unsigned char>(s.front()))) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_';
  });
}

bool is_version(std::string_view s) {
  if (s.empty() || !std::isalnum(static_cast<unsigned char>(s.front()))) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_' || c == '+' || c == '!';
  });
}

// A marker goes on one line of a pip file after " ; ": no line breaks, no comment sign.
bool is_marker(std::string_view s) { return s.find_first_of("\r\n#") == std::string_view::npos; }

struct Reader {
  fs::path file;

  std::unexpected<Error> bad(const std::string& what) const {
    return fail(Errc::invalid_argument, file.string() + ": " + what + "; run `uv lock` in the project to write it again");
  }

  // One entry of a `dependencies` list: { name = "x", extra = ["a"], marker = "..." }.
  Result<std::string> requirement(const toml::node& node, const std::string& owner) const {
    const auto* t = node.as_table();
    auto name = t ? t->get_as<std::string>("name") : nullptr;
    if (!name || !is_name(name->get())) return bad("a dependency of '" + owner + "' has no valid name");
    std::string line = name->get();
    if (auto* extras = t->get_as<toml::array>("extra"); extras && !extras->empty()) {
      std::vector<std::string> names;
      for (const auto& e : *extras) {
        auto v = e.value<std::string>();
        if (!v || !is_name(*v)) return bad("dependency '" + line + "' of '" + owner + "' has an invalid extra");
        names.push_back(*v);
      }
      line += "[" + util::join(names, ",") + "]";
    }
    if (auto marker = t->get_as<std::string>("marker")) {
      if (!is_marker(marker->get())) return bad("dependency '" + line + "' of '" + owner + "' has an invalid marker");
      line += " ; " + marker->get();
    }
    return line;
  }

  Result<void> add_requirements(const toml::array* deps, const std::string& owner, std::vector<std::string>& out) const {
    if (!deps) return {};
    for (const auto& d : *deps) {
      auto line = requirement(d, owner);
      if (!line) return std::unexpected(line.error());
      if (std::find(out.begin(), out.end(), *line) == out.end()) out.push_back(*line);
    }
    return {};
  }
};

// "registry", "git", "virtual", ... with its value: the first key of `source`.
std::pair<std::string, std::string> source_of(const toml::table& package) {
  const auto* source = package.get_as<toml::table>("source");
  if (!source || source->empty()) return {};
  auto first = source->cbegin();
  std::string kind(first->first.str());
  return {kind, first->second.value<std::string>().value_or("")};
}

}  // namespace

Result<PipPins> read_uv_lock(const fs::path& lock) {
  Reader r{lock};
  toml::table doc;
  try {
    doc = toml::parse_file(lock.string());
  } catch (const toml::parse_error& e) {
    return fail(Errc::invalid_argument, lock.string() + " line " + std::to_string(e.source().begin.line) + ": " +
                                            std::string(e.description()) + "; run `uv lock` in the project to write it again");
  }
  auto version = doc["version"].value<std::int64_t>();
  if (!version) return r.bad("no `version` at the top");
  if (*version > kNewestLockVersion)
    return fail(Errc::unsupported, lock.string() + " is in uv.lock format version " + std::to_string(*version) +
                                       ", newer than lab reads without uv (" + std::to_string(kNewestLockVersion) + "); " + kInstallUv);
  const auto* packages = doc["package"].as_array();
  if (!packages) return r.bad("no [[package]] entries");

  PipPins pins;
  std::map<std::string, int> versions_of;
  for (const auto& node : *packages)
    if (auto name = node.as_table() ? node.as_table()->get_as<std::string>("name") : nullptr) ++versions_of[name->get()];

  bool found_project = false;
  for (const auto& node : *packages) {
    const auto* p = node.as_table();
    auto name = p ? p->get_as<std::string>("name") : nullptr;
    if (!name || !is_name(name->get())) return r.bad("a [[package]] has no valid name");
    auto [kind, where] = source_of(*p);
    if ((kind == "virtual" || kind == "editable") && where == ".") {
      found_project = true;
      if (auto e = r.add_requirements(p->get_as<toml::array>("dependencies"), name->get(), pins.requirements); !e)
        return std::unexpected(e.error());
      const auto* groups = p->get_as<toml::table>("dev-dependencies");
      if (auto e = r.add_requirements(groups ? groups->get_as<toml::array>("dev") : nullptr, name->get(), pins.requirements); !e)
        return std::unexpected(e.error());
      continue;
    }
    if (kind != "registry")
      return fail(Errc::unsupported, lock.string() + " takes '" + name->get() + "' from " +
                                         (kind.empty() ? std::string("an unnamed source") : kind + " '" + where + "'") +
                                         ", which pip cannot pin from a lock; " + kInstallUv);
    auto v = p->get_as<std::string>("version");
    if (!v || !is_version(v->get())) return r.bad("package '" + name->get() + "' has no valid version");
    std::string line = name->get() + "==" + v->get();
    if (versions_of[name->get()] > 1) {
      // A forked lock: each version applies where its resolution markers say.
      std::vector<std::string> markers;
      if (const auto* rm = p->get_as<toml::array>("resolution-markers"))
        for (const auto& m : *rm)
          if (auto s = m.value<std::string>(); s && is_marker(*s)) markers.push_back("(" + *s + ")");
      if (markers.empty()) return r.bad("package '" + name->get() + "' is locked at several versions without resolution-markers");
      line += " ; " + util::join(markers, " or ");
    }
    pins.constraints.push_back(line);
  }
  if (!found_project) return r.bad("no [[package]] for the project itself (source = { virtual = \".\" } or { editable = \".\" })");
  return pins;
}

Result<void> write_pip_pins(const PipPins& pins, const fs::path& dir) {
  for (const auto& [file, lines] : {std::pair{"requirements.txt", &pins.requirements}, std::pair{"constraints.txt", &pins.constraints}}) {
    std::ofstream out(dir / file, std::ios::binary | std::ios::trunc);
    for (const auto& line : *lines) out << line << "\n";
    if (!out.flush()) return fail(Errc::io, "cannot write " + (dir / file).string());
  }
  return {};
}

}  // namespace lab::envs::detail
