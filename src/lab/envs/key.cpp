// Computing the environment key: picking the inputs, normalising them, hashing the
// canonical description (docs/environments.md, "The key").
#include <lab/envs/key.hpp>
#include <lab/files/manifest.hpp>

#include <lab/util/strings.hpp>

#include <xxhash.h>

#include <fstream>
#include <set>
#include <sstream>

namespace lab::envs {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kKeyVersion = "lab-env 1";

std::string hex_of(XXH128_hash_t h) {
  XXH128_canonical_t c;
  XXH128_canonicalFromHash(&c, h);
  return util::to_hex(std::span<const unsigned char>(c.digest, sizeof c.digest));
}

std::string hash_text(std::string_view s) { return hex_of(XXH3_128bits(s.data(), s.size())); }

Result<std::string> read_file(const fs::path& file) {
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) return fail(Errc::not_found, file.string() + " does not exist or is not a file");
  std::ifstream in(file, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  if (!in) return fail(Errc::io, "cannot read " + file.string());
  return ss.str();
}

std::string normalise_text(std::string_view s) {
  if (s.starts_with("\xEF\xBB\xBF")) s.remove_prefix(3);
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i)
    if (!(s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n')) out += s[i];
  return out;
}

// The file a `-r`/`-c` line (or its long forms) includes, if it is one.
std::optional<std::string> include_of(std::string_view line) {
  for (std::string_view flag : {"--requirement", "--constraint", "-r", "-c"}) {
    if (!line.starts_with(flag)) continue;
    std::string_view rest = line.substr(flag.size());
    if (flag.starts_with("--")) {
      if (rest.empty() || (rest[0] != '=' && rest[0] != ' ' && rest[0] != '\t')) continue;
      rest.remove_prefix(1);
    }
    rest = util::trim(rest);
    if (!rest.empty()) return std::string(rest);
  }
  return std::nullopt;
}

// The Python version asked for, normalised ("cpython-3.11" -> "3.11"), or an error.
Result<std::string> normalise_python(std::string_view raw, std::string_view where) {
  std::string v(util::trim(raw));
  for (std::string_view prefix : {"cpython-", "cpython", "python"})
    if (util::to_lower(v).starts_with(prefix)) v = v.substr(prefix.size());
  auto parts = util::split(v, '.');
  bool ok = parts.size() >= 1 && parts.size() <= 3 && parts[0] == "3";
  for (const auto& p : parts)
    ok = ok && !p.empty() && p.size() <= 4 && p.find_first_not_of("0123456789") == std::string::npos;
  if (!ok)
    return fail(Errc::invalid_argument, std::string(where) + " asks for Python '" + std::string(util::trim(raw)) +
                                            "'; write a CPython 3 version such as 3.11 or 3.11.4");
  return v;
}

// Adds `rel` and, recursively, the files it includes with -r/-c.
Result<void> add_requirements(const fs::path& project, const std::string& rel, std::vector<KeyFile>& files,
                              std::set<std::string>& seen) {
  if (!seen.insert(rel).second) return {};
  auto text = read_file(project / rel);
  if (!text) return fail_with_context(text.error(), "requirements file " + rel);
  std::string norm = normalise_requirements(*text);
  files.push_back({rel, hash_text(norm)});
  for (const auto& line : util::split(norm, '\n')) {
    auto inc = include_of(line);
    if (!inc) continue;
    fs::path target = (fs::path(rel).parent_path() / *inc).lexically_normal();
    if (fs::path(*inc).is_absolute() || target.empty() || *target.begin() == "..")
      return fail(Errc::invalid_argument, rel + " includes '" + *inc +
                                              "', which is outside the project; copy that file into the project and include it from there");
    if (auto r = add_requirements(project, target.generic_string(), files, seen); !r) return r;
  }
  return {};
}

}  // namespace

std::string_view source_name(Source s) {
  switch (s) {
    case Source::requirements: return "requirements";
    case Source::uv_lock: return "uv.lock";
    case Source::guessed: return "guessed";
    case Source::none: return "none";
  }
  return "none";
}

std::string normalise_requirements(std::string_view raw) {
  std::string text = normalise_text(raw);
  std::string out, logical;
  auto flush = [&] {
    // A comment is '#' at the start or after whitespace (pip's rule; "pkg#egg" is no comment).
    for (std::size_t i = 0; i < logical.size(); ++i)
      if (logical[i] == '#' && (i == 0 || logical[i - 1] == ' ' || logical[i - 1] == '\t')) {
        logical.resize(i);
        break;
      }
    std::string_view t = util::trim(logical);
    if (!t.empty()) out.append(t).push_back('\n');
    logical.clear();
  };
  for (const auto& line : util::split(text, '\n')) {
    if (line.ends_with('\\')) {
      logical += line.substr(0, line.size() - 1);
      continue;
    }
    logical += line;
    flush();
  }
  flush();
  return out;
}

Result<std::string> hash_input(const fs::path& file, InputKind kind) {
  if (kind != InputKind::binary) {
    auto text = read_file(file);
    if (!text) return std::unexpected(text.error());
    return hash_text(kind == InputKind::requirements ? normalise_requirements(*text) : normalise_text(*text));
  }
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) return fail(Errc::not_found, file.string() + " does not exist or is not a file");
  auto h = files::Hash128::of_file(file);
  if (!h) return std::unexpected(h.error());
  return h->hex();
}

Result<EnvKey> compute_key(const fs::path& project, const config::Environment& env) {
  std::error_code ec;
  if (!fs::is_directory(project, ec))
    return fail(Errc::not_found, "project folder " + project.string() + " does not exist or is not a folder");
  EnvKey key;

  if (env.python) {
    auto v = normalise_python(*env.python, "task.toml [environment] python");
    if (!v) return std::unexpected(v.error());
    key.python = *v, key.python_from = "task.toml";
  } else if (fs::exists(project / ".python-version", ec)) {
    auto text = read_file(project / ".python-version");
    if (!text) return std::unexpected(text.error());
    std::string first;  // the first line that is not a comment
    for (const auto& line : util::split(normalise_text(*text), '\n'))
      if (auto t = util::trim(line); !t.empty() && t[0] != '#') {
        first = t;
        break;
      }
    if (!first.empty()) {
      auto v = normalise_python(first, ".python-version");
      if (!v) return std::unexpected(v.error());
      key.python = *v, key.python_from = ".python-version";
    }
  }

  std::set<std::string> seen;
  bool has_pyproject = fs::exists(project / "pyproject.toml", ec);
  if (env.requirements) {
    key.source = Source::requirements;
    fs::path rel = fs::path(*env.requirements).lexically_normal();
    if (auto r = add_requirements(project, rel.generic_string(), key.files, seen); !r) return std::unexpected(r.error());
  } else if (fs::exists(project / "uv.lock", ec)) {
    key.source = Source::uv_lock;
    if (!has_pyproject)
      return fail(Errc::not_found, "the project has uv.lock but no pyproject.toml beside it; uv needs both (run `uv lock` in the project)");
    for (const char* name : {"pyproject.toml", "uv.lock"}) {
      auto h = hash_input(project / name, InputKind::text);
      if (!h) return std::unexpected(h.error());
      key.files.push_back({name, *h});
    }
  } else if (fs::exists(project / "requirements.txt", ec)) {
    key.source = Source::requirements;
    if (auto r = add_requirements(project, "requirements.txt", key.files, seen); !r) return std::unexpected(r.error());
  } else {
    auto guess = guess_requirements(project);
    if (!guess) return std::unexpected(guess.error());
    key.guess = std::move(*guess);
    key.source = key.guess.packages.empty() ? Source::none : Source::guessed;
    if (has_pyproject)
      key.notes.push_back("pyproject.toml is not used without uv.lock; run `uv lock` in the project to use it");
  }

  for (const auto& w : env.extra_wheels) {
    auto h = hash_input(project / w, InputKind::binary);
    if (!h) return fail_with_context(h.error(), "[environment] extra_wheels");
    key.wheels.push_back({fs::path(w).lexically_normal().generic_string(), *h});
  }

  std::string c(kKeyVersion);
  c += "\npython " + (key.python.empty() ? std::string("default") : key.python);
  c += "\nsource " + std::string(source_name(key.source));
  for (const auto& f : key.files) c += "\nfile " + f.path + " " + f.hash;
  for (const auto& g : key.guess.packages) c += "\nguess " + g.package;
  // Only a wheel's file name matters to pip, not where it sits in the project.
  for (const auto& w : key.wheels) c += "\nwheel " + fs::path(w.path).filename().string() + " " + w.hash;
  key.canonical = c + "\n";
  key.hex = hash_text(key.canonical);
  return key;
}

std::string EnvKey::describe() const {
  std::string out;
  switch (source) {
    case Source::requirements:
      out = files.empty() ? "requirements" : files.front().path;
      if (files.size() > 1) {
        out += " (+";
        for (std::size_t i = 1; i < files.size(); ++i) out += " " + files[i].path;
        out += ")";
      }
      break;
    case Source::uv_lock: out = "uv.lock + pyproject.toml"; break;
    case Source::guessed: out = std::to_string(guess.packages.size()) + " package(s) guessed from imports"; break;
    case Source::none: out = "no packages"; break;
  }
  out += python.empty() ? ", the cluster's default Python" : ", Python " + python + " from " + python_from;
  if (!wheels.empty()) out += ", " + std::to_string(wheels.size()) + " extra wheel" + (wheels.size() == 1 ? "" : "s");
  return out;
}

}  // namespace lab::envs
