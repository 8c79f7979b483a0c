// The excludes git applies beyond a tree's own .gitignore files (`--exclude-standard`):
// $GIT_DIR/info/exclude, then core.excludesFile (default $XDG_CONFIG_HOME/git/ignore).
// Only the plain `[core] excludesFile = PATH` form of git's config is understood here.
#include "walk.hpp"

#include <lab/util/strings.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace lab::files {
namespace {

namespace fs = std::filesystem;

std::optional<std::string> slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// Expands a leading "~/" the way git's --path values do.
fs::path expand_home(std::string value) {
  if (value.starts_with("~/") && !env("HOME").empty()) return fs::path(env("HOME")) / value.substr(2);
  return value;
}

// Reads `core.excludesFile` from one config file into `out` when it is set there.
void read_excludes_setting(const fs::path& config, std::optional<std::string>& out) {
  const auto text = slurp(config);
  if (!text) return;
  bool in_core = false;
  for (const auto& raw : util::split(*text, '\n')) {
    std::string_view line = util::trim(raw);
    if (line.starts_with('[')) {
      const auto end = line.find(']');
      in_core = util::to_lower(util::trim(line.substr(1, end == line.npos ? line.npos : end - 1))) == "core";
      continue;
    }
    if (!in_core) continue;
    const auto eq = line.find('=');
    if (eq == line.npos || util::to_lower(util::trim(line.substr(0, eq))) != "excludesfile") continue;
    std::string value;
    bool quoted = false;
    for (char c : util::trim(line.substr(eq + 1))) {
      if (c == '"') { quoted = !quoted; continue; }
      if (!quoted && (c == '#' || c == ';')) break;
      value += c;
    }
    out = std::string(util::trim(value));
  }
}

// The repository's common git directory when `root` is a repository's top folder.
std::optional<fs::path> common_git_dir(const fs::path& root) {
  std::error_code ec;
  const fs::path dotgit = root / ".git";
  fs::path gitdir;
  if (fs::is_directory(fs::symlink_status(dotgit, ec))) {
    gitdir = dotgit;
  } else if (fs::is_regular_file(fs::symlink_status(dotgit, ec))) {
    // A worktree or submodule: ".git" holds "gitdir: PATH".
    const auto text = slurp(dotgit);
    if (!text || !text->starts_with("gitdir:")) return std::nullopt;
    gitdir = fs::path(std::string(util::trim(std::string_view(*text).substr(7))));
    if (gitdir.is_relative()) gitdir = root / gitdir;
  } else {
    return std::nullopt;
  }
  if (const auto common = slurp(gitdir / "commondir")) {
    fs::path c(std::string(util::trim(*common)));
    return c.is_relative() ? gitdir / c : c;
  }
  return gitdir;
}

}  // namespace

std::vector<IgnoreList> git_fallback_lists(const fs::path& root) {
  std::vector<IgnoreList> lists;
  const auto gitdir = common_git_dir(root);
  if (gitdir)
    if (const auto text = slurp(*gitdir / "info" / "exclude"))
      lists.push_back(parse_ignore(*text, "", ".git/info/exclude"));

  std::optional<std::string> setting;
  if (env("GIT_CONFIG_NOSYSTEM").empty()) read_excludes_setting("/etc/gitconfig", setting);
  if (const auto global = env("GIT_CONFIG_GLOBAL"); !global.empty()) {
    read_excludes_setting(global, setting);
  } else {
    const std::string xdg = env("XDG_CONFIG_HOME");
    if (!xdg.empty()) read_excludes_setting(fs::path(xdg) / "git" / "config", setting);
    else if (!env("HOME").empty()) read_excludes_setting(fs::path(env("HOME")) / ".config/git/config", setting);
    if (!env("HOME").empty()) read_excludes_setting(fs::path(env("HOME")) / ".gitconfig", setting);
  }
  if (gitdir) read_excludes_setting(*gitdir / "config", setting);

  fs::path file;
  if (setting) file = expand_home(*setting);
  else if (!env("XDG_CONFIG_HOME").empty()) file = fs::path(env("XDG_CONFIG_HOME")) / "git" / "ignore";
  else if (!env("HOME").empty()) file = fs::path(env("HOME")) / ".config" / "git" / "ignore";
  if (!file.empty())
    if (const auto text = slurp(file)) lists.push_back(parse_ignore(*text, "", file.string()));
  return lists;
}

}  // namespace lab::files
