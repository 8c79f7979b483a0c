// Parsing of ignore files and the precedence rules of gitignore(5).
#include <lab/files/ignore.hpp>

namespace lab::files {
namespace {

// Drops trailing spaces unless the last one is escaped with a backslash ("a\ " keeps one).
void trim_trailing_spaces(std::string& s) {
  std::size_t cut = std::string::npos;  // start of the current run of unescaped spaces
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == ' ') {
      if (cut == std::string::npos) cut = i;
    } else if (s[i] == '\\') {
      if (++i == s.size()) return;  // a lone trailing backslash: leave the line alone
      cut = std::string::npos;
    } else {
      cut = std::string::npos;
    }
  }
  if (cut != std::string::npos) s.resize(cut);
}

IgnorePattern parse_line(std::string text, std::uint32_t line) {
  IgnorePattern p;
  p.line = line;
  p.line_text = text;
  std::string_view g = text;
  if (!g.empty() && g.front() == '!') {
    p.negative = true;
    g.remove_prefix(1);
  }
  if (!g.empty() && g.back() == '/') {
    p.dir_only = true;
    g.remove_suffix(1);
  }
  p.basename_only = g.find('/') == std::string_view::npos;
  // A leading slash only anchors; the glob is matched relative to the list's base anyway.
  if (!p.basename_only && g.front() == '/') g.remove_prefix(1);
  p.glob = std::string(g);
  return p;
}

}  // namespace

IgnoreList parse_ignore(std::string_view contents, std::string base, std::string source) {
  IgnoreList list{std::move(base), std::move(source), {}};
  if (contents.starts_with("\xEF\xBB\xBF")) contents.remove_prefix(3);
  std::uint32_t line = 0;
  while (!contents.empty()) {
    ++line;
    const auto nl = contents.find('\n');
    // Like git, a last line without a newline still counts.
    std::string_view raw = contents.substr(0, nl);
    contents.remove_prefix(nl == std::string_view::npos ? contents.size() : nl + 1);
    if (raw.ends_with('\r')) raw.remove_suffix(1);
    if (raw.empty() || raw.front() == '#') continue;
    std::string text(raw);
    trim_trailing_spaces(text);
    list.patterns.push_back(parse_line(std::move(text), line));
  }
  return list;
}

std::string IgnoreMatch::describe() const {
  if (!pattern) return {};
  return list->source + ":" + std::to_string(pattern->line) + ": " + pattern->line_text;
}

IgnoreMatch match_list(const IgnoreList& list, std::string_view path, std::string_view name,
                       bool is_dir) {
  for (auto it = list.patterns.rbegin(); it != list.patterns.rend(); ++it) {
    const IgnorePattern& p = *it;
    if (p.dir_only && !is_dir) continue;
    if (p.basename_only) {
      if (wildmatch(p.glob, name, false)) return {&list, &p};
      continue;
    }
    // Anchored to the list's directory: match the path below `base` as a whole.
    if (!path.starts_with(list.base) || path.size() == list.base.size()) continue;
    if (wildmatch(p.glob, path.substr(list.base.size()), true)) return {&list, &p};
  }
  return {};
}

void IgnoreStack::add_fallback(IgnoreList list) { fallback_.push_back(std::move(list)); }

void IgnoreStack::push(std::vector<IgnoreList> lists) { levels_.push_back(std::move(lists)); }

void IgnoreStack::pop() { levels_.pop_back(); }

IgnoreMatch IgnoreStack::match(std::string_view path, bool is_dir) const {
  const auto slash = path.rfind('/');
  const std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  for (auto level = levels_.rbegin(); level != levels_.rend(); ++level)
    for (auto list = level->rbegin(); list != level->rend(); ++list)
      if (auto m = match_list(*list, path, name, is_dir); m.pattern) return m;
  for (const auto& list : fallback_)
    if (auto m = match_list(list, path, name, is_dir); m.pattern) return m;
  return {};
}

}  // namespace lab::files
