// Glob matching with git's wildmatch semantics (see gitignore(5) and git's wildmatch tests).
// Written as a recursive matcher over indexes; "past the end" reads as NUL like in C.
#include <lab/files/ignore.hpp>

#include <optional>

namespace lab::files {
namespace {

enum class Res { match, no_match, abort_all, abort_to_starstar };

bool is_upper(unsigned char c) { return c >= 'A' && c <= 'Z'; }
bool is_lower(unsigned char c) { return c >= 'a' && c <= 'z'; }
bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
bool is_alpha(unsigned char c) { return is_upper(c) || is_lower(c); }
bool is_space(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
bool is_print(unsigned char c) { return c >= 0x20 && c < 0x7f; }

// Whether `c` belongs to the POSIX class named `name` ("alpha", ...); nullopt-like -1 when the
// name is unknown (git treats that as a malformed pattern).
int in_class(std::string_view name, unsigned char c) {
  if (name == "alnum") return is_alpha(c) || is_digit(c);
  if (name == "alpha") return is_alpha(c);
  if (name == "blank") return c == ' ' || c == '\t';
  if (name == "cntrl") return c < 0x20 || c == 0x7f;
  if (name == "digit") return is_digit(c);
  if (name == "graph") return is_print(c) && c != ' ';
  if (name == "lower") return is_lower(c);
  if (name == "print") return is_print(c);
  if (name == "punct") return is_print(c) && c != ' ' && !is_alpha(c) && !is_digit(c);
  if (name == "space") return is_space(c);
  if (name == "upper") return is_upper(c);
  if (name == "xdigit") return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  return -1;
}

bool is_glob_special(unsigned char c) { return c == '*' || c == '?' || c == '[' || c == '\\'; }

class Matcher {
 public:
  Matcher(std::string_view p, std::string_view t, bool pathname) : p_(p), t_(t), pathname_(pathname) {}
  Res run(std::size_t pi, std::size_t ti) const;

 private:
  unsigned char pc(std::size_t i) const { return i < p_.size() ? p_[i] : 0; }
  unsigned char tc(std::size_t i) const { return i < t_.size() ? t_[i] : 0; }
  bool slash_from(std::size_t ti) const { return t_.find('/', ti) != std::string_view::npos; }
  std::optional<Res> star(std::size_t& pi, std::size_t& ti) const;
  Res bracket(std::size_t& pi, unsigned char t) const;

  std::string_view p_, t_;
  bool pathname_;
};

// Matches a `[...]` class starting at p_[pi] == '[' against `t`; leaves `pi` on the closing ']'.
Res Matcher::bracket(std::size_t& pi, unsigned char t) const {
  unsigned char p = pc(++pi);
  if (p == '^') p = '!';
  const bool negated = p == '!';
  if (negated) p = pc(++pi);
  unsigned char prev = 0;
  bool matched = false;
  do {
    if (!p) return Res::abort_all;
    if (p == '\\') {
      p = pc(++pi);
      if (!p) return Res::abort_all;
      if (t == p) matched = true;
    } else if (p == '-' && prev && pc(pi + 1) && pc(pi + 1) != ']') {
      p = pc(++pi);
      if (p == '\\') {
        p = pc(++pi);
        if (!p) return Res::abort_all;
      }
      if (t <= p && t >= prev) matched = true;
      p = 0;  // a range cannot start another range
    } else if (p == '[' && pc(pi + 1) == ':') {
      const std::size_t name_start = pi + 2;
      std::size_t q = name_start;
      while (pc(q) && pc(q) != ']') ++q;
      if (!pc(q)) return Res::abort_all;
      if (q < name_start + 1 || pc(q - 1) != ':') {
        // Not "[:name:]": the '[' is an ordinary member.
        if (t == '[') matched = true;
        p = '[';
      } else {
        const int r = in_class(p_.substr(name_start, q - 1 - name_start), t);
        if (r < 0) return Res::abort_all;
        if (r) matched = true;
        pi = q;
        p = 0;
      }
    } else if (t == p) {
      matched = true;
    }
    prev = p;
    p = pc(++pi);
  } while (p != ']');
  if (matched == negated || (pathname_ && t == '/')) return Res::no_match;
  return Res::match;
}

// Handles a `*` run at p_[pi]. Returns the final answer, or nullopt with pi/ti both on a
// slash when matching should continue in the caller's loop (`*/`).
std::optional<Res> Matcher::star(std::size_t& pi, std::size_t& ti) const {
  bool match_slash;
  if (pc(++pi) == '*') {
    const bool at_start = pi < 2 || pc(pi - 2) == '/';
    while (pc(++pi) == '*') {
    }
    const unsigned char next = pc(pi);
    if (!pathname_) {
      match_slash = true;  // without pathname semantics `**` is just `*`
    } else if (at_start && (next == 0 || next == '/' || (next == '\\' && pc(pi + 1) == '/'))) {
      // "**/" may stand for no directory at all.
      if (next == '/' && run(pi + 1, ti) == Res::match) return Res::match;
      match_slash = true;
    } else {
      match_slash = false;
    }
  } else {
    match_slash = !pathname_;
  }
  if (!pc(pi)) {
    if (!match_slash && slash_from(ti)) return Res::no_match;
    return Res::match;
  }
  if (!match_slash && pc(pi) == '/') {
    // One `*` then `/`: the rest of this path component.
    const auto slash = t_.find('/', ti);
    if (slash == std::string_view::npos) return Res::no_match;
    ti = slash;
    return std::nullopt;  // the loop consumes the slash on both sides
  }
  unsigned char t = tc(ti);
  while (true) {
    if (!t) break;
    if (!is_glob_special(pc(pi))) {
      // Skip ahead to the next occurrence of the literal that follows the star.
      const unsigned char want = pc(pi);
      while ((t = tc(ti)) != 0 && (match_slash || t != '/')) {
        if (t == want) break;
        ++ti;
      }
      if (t != want) return Res::no_match;
    }
    const Res r = run(pi, ti);
    if (r != Res::no_match) {
      if (!match_slash || r != Res::abort_to_starstar) return r;
    } else if (!match_slash && t == '/') {
      return Res::abort_to_starstar;
    }
    t = tc(++ti);
  }
  return Res::abort_all;
}

Res Matcher::run(std::size_t pi, std::size_t ti) const {
  for (; pi < p_.size(); ++pi, ++ti) {
    unsigned char p = p_[pi];
    const unsigned char t = tc(ti);
    if (ti >= t_.size() && p != '*') return Res::abort_all;
    switch (p) {
      case '\\':
        p = pc(++pi);
        [[fallthrough]];
      default:
        if (t != p) return Res::no_match;
        continue;
      case '?':
        if (pathname_ && t == '/') return Res::no_match;
        continue;
      case '*':
        if (const auto r = star(pi, ti)) return *r;
        continue;
      case '[': {
        const Res r = bracket(pi, t);
        if (r != Res::match) return r;
        continue;
      }
    }
  }
  return ti < t_.size() ? Res::no_match : Res::match;
}

}  // namespace

bool wildmatch(std::string_view pattern, std::string_view text, bool pathname) {
  return Matcher(pattern, text, pathname).run(0, 0) == Res::match;
}

}  // namespace lab::files
