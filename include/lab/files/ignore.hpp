// Git's ignore rules (gitignore(5)): pattern files, wildcard matching, and the stack of
// per-directory pattern lists a walk consults. Case-sensitive, like git on Linux.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lab::files {

// Whether `text` matches the glob `pattern` the way git's wildmatch does: `?`, `*`, `[...]`
// classes (ranges, `!`/`^` negation, `[:alpha:]` names) and `\` escapes. With `pathname`,
// `*`, `?` and classes never match `/`, and `**` between slashes (or at either end) matches
// any number of directories, including none.
bool wildmatch(std::string_view pattern, std::string_view text, bool pathname);

// One line of an ignore file, parsed.
struct IgnorePattern {
  std::string glob;            // without the leading `!`, leading `/` and trailing `/`
  std::string line_text;       // the line as written (after trailing-space trimming)
  std::uint32_t line = 0;      // 1-based line number in its file
  bool negative = false;       // `!pattern`: re-includes what an earlier rule excluded
  bool dir_only = false;       // trailing `/`: matches directories only
  bool basename_only = false;  // no `/` in the pattern: matches a name at any depth
};

// The patterns of one file, which apply below `base` ("" for the root, else "sub/dir/").
struct IgnoreList {
  std::string base;
  std::string source;  // shown in reports, e.g. "sub/.gitignore" or ".git/info/exclude"
  std::vector<IgnorePattern> patterns;
};

// Parses an ignore file's contents: skips a UTF-8 byte-order mark, blank lines and `#`
// comments; drops a trailing CR and unescaped trailing spaces. Never fails.
IgnoreList parse_ignore(std::string_view contents, std::string base, std::string source);

// What decided a path's fate: the list and pattern that matched last, or nothing.
struct IgnoreMatch {
  const IgnoreList* list = nullptr;
  const IgnorePattern* pattern = nullptr;

  // True when the path is left out (a matching pattern that is not a negation).
  bool excluded() const { return pattern && !pattern->negative; }
  // "sub/.gitignore:3: build/" for reports.
  std::string describe() const;
};

// The lists in force at one point of a walk. Precedence follows git: the deepest directory's
// list first, then shallower ones, then the fallback lists (info/exclude, the user's global
// file); within one list the last matching line wins. Not thread-safe; lists are owned here.
class IgnoreStack {
 public:
  // Adds a list consulted after every directory list; fallbacks are consulted in the order
  // they were added (git: .git/info/exclude, then the user's global excludes file).
  void add_fallback(IgnoreList list);
  // Enters a directory: its lists (in file order; later ones win) are pushed as one level.
  void push(std::vector<IgnoreList> lists);
  // Leaves the directory entered by the matching push().
  void pop();

  // The rule deciding `path` (relative to the walk's root, '/'-separated, no trailing '/');
  // `is_dir` says whether it is a directory (a symlink to one is not).
  IgnoreMatch match(std::string_view path, bool is_dir) const;

 private:
  std::vector<std::vector<IgnoreList>> levels_;
  std::vector<IgnoreList> fallback_;
};

// The rule in `list` deciding `path`, or an empty match.
IgnoreMatch match_list(const IgnoreList& list, std::string_view path, std::string_view name,
                       bool is_dir);

}  // namespace lab::files
