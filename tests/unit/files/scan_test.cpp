// scan() against git itself: many generated trees with tricky ignore rules, where the paths
// lab keeps must equal `git ls-files --others --exclude-standard` exactly.
#include <doctest/doctest.h>
#include <lab/files/scan.hpp>

#include "tree.hpp"

#include <algorithm>
#include <map>
#include <random>
#include <sys/stat.h>

using namespace lab::files;
using namespace lab::files::test;

namespace {

const char* const kNames[] = {"a", "b", "c", "foo", "bar", "build", "x.log", "keep.log", "y.txt",
                              "Doc", "doc", "[x]", "sp ace", "#hash", "!bang", "a.b.c", ".hidden",
                              "gen1", "out.o", "lib.a", "trail ", "deep", "z*"};
const char* const kPatterns[] = {
    "*.log", "!keep.log", "build/", "/a", "a/", "**/foo", "foo/**", "a/**/b", "/b/*", "*.txt",
    "!*.txt", "!b/", "c", "**/x.log", "doc", "[Dd]oc", "[!a]*", "?", "??", "\\#hash", "\\!bang",
    "#hash", "", "foo ", "trail\\ ", "a/b", "*/c", "**/", "!**/", "x*/", "f?o", "[a-c]", "*.[oa]",
    "build", "!build/keep.log", "/*/", "b/**/", "!.hidden", ".hidden", "sp ace", "!sp\\ ace", "deep/*",
    "!deep/foo", "*/", "!*/", "**/gen*", "z\\*", "z*", "/deep/**/y.txt", "!/foo", "a/*/", "*.b.*",
    "!a.b.c", "[[:upper:]]*", "bar/", "!bar", "deep/**/", "/**/c", "**/**", "!x.log", "b/c/",
    "!**/keep.log", "*[!.]*.*", "\\!*", "\\",
};

// One generated tree: files, symlinks and ignore files, written twice (one copy for git,
// one for lab) so that .labignore can be checked against git seeing the same rules in
// .gitignore.
struct Tree {
  std::vector<std::string> dirs{""};
  std::vector<std::string> files;
  std::vector<std::pair<std::string, std::string>> links;  // path, target
  std::vector<std::pair<std::string, std::string>> ignores;  // folder, rules
  std::vector<std::pair<std::string, std::string>> labignores;
  std::string info_exclude;
};

template <class T, std::size_t N>
const char* pick(std::mt19937& rng, const T (&arr)[N]) {
  return arr[std::uniform_int_distribution<std::size_t>(0, N - 1)(rng)];
}

std::string rules(std::mt19937& rng) {
  std::string out;
  const int n = std::uniform_int_distribution<int>(1, 6)(rng);
  for (int i = 0; i < n; ++i) out += std::string(pick(rng, kPatterns)) + "\n";
  return out;
}

Tree generate(std::mt19937& rng) {
  Tree t;
  auto coin = [&](int pct) { return std::uniform_int_distribution<int>(0, 99)(rng) < pct; };
  const int ndirs = std::uniform_int_distribution<int>(1, 8)(rng);
  for (int i = 0; i < ndirs; ++i) {
    const std::string& parent = t.dirs[std::uniform_int_distribution<std::size_t>(0, t.dirs.size() - 1)(rng)];
    if (std::count(parent.begin(), parent.end(), '/') >= 3) continue;
    t.dirs.push_back(parent + pick(rng, kNames) + "/");
  }
  std::sort(t.dirs.begin(), t.dirs.end());
  t.dirs.erase(std::unique(t.dirs.begin(), t.dirs.end()), t.dirs.end());
  for (const auto& d : t.dirs) {
    const int nfiles = std::uniform_int_distribution<int>(0, 5)(rng);
    for (int i = 0; i < nfiles; ++i) t.files.push_back(d + pick(rng, kNames));
    if (coin(15)) t.links.emplace_back(d + pick(rng, kNames), coin(50) ? "../outside" : "a");
    if (coin(40)) t.ignores.emplace_back(d, rules(rng));
    if (coin(20)) t.labignores.emplace_back(d, rules(rng));
  }
  if (coin(30)) t.info_exclude = rules(rng);
  return t;
}

// Writes `t` under `root`; with `for_git`, .labignore rules are appended to that folder's
// .gitignore (lab's documented precedence) and the .labignore file holds nothing git reads.
void materialize(const Tree& t, const fs::path& root, bool for_git) {
  std::error_code ec;
  for (const auto& d : t.dirs) fs::create_directories(root / d, ec);
  for (const auto& f : t.files)
    if (!fs::exists(root / f)) write(root / f, f);
  for (const auto& [path, target] : t.links)
    if (!fs::exists(fs::symlink_status(root / path))) fs::create_symlink(target, root / path, ec);
  std::map<std::string, std::string> gi(t.ignores.begin(), t.ignores.end());
  for (const auto& [d, text] : t.labignores) {
    if (for_git) gi[d] += "\n" + text;
    else gi[d] += "";  // same file names in both trees
    write(root / d / ".labignore", for_git ? "" : text);
  }
  for (const auto& [d, text] : gi)
    if (!fs::is_directory(root / d / ".gitignore")) write(root / d / ".gitignore", text);
}

std::string lab_list(const fs::path& root) {
  ScanOptions o;
  o.hash = false;
  auto m = scan(root, o);
  if (!m) return "<error: " + m.error().message + ">";
  std::string out;
  for (const auto& e : m->entries) out += e.path + '\n';
  return out;
}

std::string git_list(const fs::path& root) {
  std::string out = run_in(root, "git ls-files --others --exclude-standard -z");
  std::replace(out.begin(), out.end(), '\0', '\n');
  return out;
}

// Keeps git's global configuration and excludes of the machine out of the comparison.
struct IsolatedGit {
  TempDir home;
  ScopedEnv h{"HOME", home.path.c_str()};
  ScopedEnv x{"XDG_CONFIG_HOME", nullptr};
  ScopedEnv n{"GIT_CONFIG_NOSYSTEM", "1"};
  ScopedEnv g{"GIT_CONFIG_GLOBAL", nullptr};
};

}  // namespace

TEST_CASE("scan keeps exactly what git ls-files --others --exclude-standard lists") {
  IsolatedGit iso;
  for (unsigned seed = 1; seed <= 100; ++seed) {
    std::mt19937 rng(seed);
    const Tree t = generate(rng);
    TempDir git_dir, lab_dir;
    materialize(t, git_dir.path, true);
    materialize(t, lab_dir.path, false);
    REQUIRE(run_in(git_dir.path, "git init -q --template=") != "<failed>");
    // lab only needs the .git folder to find info/exclude; git's own tree is a real repo.
    write(git_dir.path / ".git/info/exclude", t.info_exclude);
    write(lab_dir.path / ".git/info/exclude", t.info_exclude);
    CAPTURE(seed);
    CHECK(lab_list(lab_dir.path) == git_list(git_dir.path));
  }
}

TEST_CASE("scan honours the user's global excludes file and core.excludesFile like git") {
  IsolatedGit iso;
  TempDir d;
  write(d.path / "a.bak", "");
  write(d.path / "b.swp", "");
  write(d.path / "c.txt", "");
  write(iso.home.path / ".config/git/ignore", "*.bak\n");
  REQUIRE(run_in(d.path, "git init -q --template=") != "<failed>");
  CHECK(lab_list(d.path) == git_list(d.path));
  CHECK(lab_list(d.path).find("a.bak") == std::string::npos);
  write(iso.home.path / "my-ignores", "*.swp\n");
  REQUIRE(run_in(d.path, "git config core.excludesFile '~/my-ignores'") != "<failed>");
  CHECK(lab_list(d.path) == git_list(d.path));
  CHECK(lab_list(d.path).find("b.swp") == std::string::npos);
}

TEST_CASE("symlinks are recorded, never followed, and hashed by their target") {
  TempDir outside, d;
  write(outside.path / "secret", "do not upload");
  write(d.path / "real/file", "x");
  fs::create_directory_symlink(outside.path, d.path / "out");
  fs::create_directory_symlink("real", d.path / "in");
  fs::create_symlink("../../etc/passwd", d.path / "real/escape");
  ScanOptions o;
  o.use_stat_cache = false;
  auto m = scan(d.path, o);
  REQUIRE(m);
  std::vector<std::string> paths;
  for (const auto& e : m->entries) paths.push_back(e.path);
  CHECK(paths == std::vector<std::string>{"in", "out", "real/escape", "real/file"});
  const Entry& out = m->entries[1];
  CHECK(out.kind == EntryKind::symlink);
  CHECK(out.target == outside.path.string());
  CHECK(out.points_outside());
  CHECK(out.hash == Hash128::of(outside.path.string()));
  CHECK_FALSE(m->entries[0].points_outside());  // "in" -> real stays inside
  CHECK(m->entries[2].points_outside());        // real/../../etc climbs out
}

TEST_CASE("the .git folder, special files and ignored folders are reported with the reason") {
  TempDir d;
  write(d.path / ".gitignore", "build/\n");
  write(d.path / "build/x", "");
  write(d.path / ".git/HEAD", "");
  write(d.path / "sub/.git", "gitdir: elsewhere\n");
  REQUIRE(::mkfifo((d.path / "pipe").c_str(), 0600) == 0);
  ScanOptions o;
  o.hash = false;
  o.collect_ignored = true;
  ScanReport r;
  auto m = scan(d.path, o, &r);
  REQUIRE(m);
  REQUIRE(r.ignored.size() == 4);
  CHECK(r.ignored[0].path == ".git/");
  CHECK(r.ignored[0].reason == "always left out");
  CHECK(r.ignored[1].path == "build/");
  CHECK(r.ignored[1].reason == ".gitignore:1: build/");
  CHECK(r.ignored[2].path == "pipe");
  CHECK(r.ignored[3].path == "sub/.git");
  REQUIRE(m->entries.size() == 1);
  CHECK(m->entries[0].path == ".gitignore");
}

TEST_CASE("scan hashes contents, marks executables, and names a missing folder") {
  TempDir d, cache;
  std::string big(3 * 1024 * 1024 + 17, 'q');  // streamed in several 1 MiB reads
  big[12345] = 'z';
  write(d.path / "big.bin", big);
  write(d.path / "run.sh", "#!/bin/sh\n");
  fs::permissions(d.path / "run.sh", fs::perms::owner_exec, fs::perm_options::add);
  ScanOptions o;
  o.cache_dir = cache.path;
  auto m = scan(d.path, o);
  REQUIRE(m);
  REQUIRE(m->entries.size() == 2);
  CHECK(m->entries[0].hash == Hash128::of(big));
  CHECK(m->entries[0].size == big.size());
  CHECK(m->entries[0].mode() == "100644");
  CHECK(m->entries[1].mode() == "100755");
  CHECK(m->entries[1].hash == Hash128::of("#!/bin/sh\n"));

  auto missing = scan(d.path / "nope", o);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == lab::Errc::not_found);
  auto file = scan(d.path / "run.sh", o);
  REQUIRE_FALSE(file);
  CHECK(file.error().code == lab::Errc::invalid_argument);
}
