// A small scanner for Python import statements: enough of Python's lexical rules (strings,
// comments, brackets, continuations, `;`) to find every absolute import without a parser.
#include <lab/envs/imports.hpp>

#include "stdlib_modules.hpp"

#include <cctype>

namespace lab::envs {
namespace {

// One logical statement with strings blanked to "" and comments removed.
struct Statement {
  std::string text;
  int line = 1;
};

bool ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || (c & 0x80); }

// Splits source into statements: a newline ends one unless inside brackets or after a
// backslash; `;` at bracket depth 0 ends one too.
std::vector<Statement> statements(std::string_view src) {
  std::vector<Statement> out;
  Statement cur;
  int line = 1, depth = 0;
  auto flush = [&] {
    if (cur.text.find_first_not_of(" \t\f\r") != std::string::npos) out.push_back(cur);
    cur = Statement{{}, line};
  };
  for (std::size_t i = 0; i < src.size(); ++i) {
    char c = src[i];
    if (c == '#') {
      while (i + 1 < src.size() && src[i + 1] != '\n') ++i;
    } else if (c == '\'' || c == '"') {
      bool triple = i + 2 < src.size() && src[i + 1] == c && src[i + 2] == c;
      i += triple ? 3 : 1;
      for (; i < src.size(); ++i) {
        if (src[i] == '\\') {  // escapes the next character in every kind of string
          if (i + 1 < src.size() && src[i + 1] == '\n') ++line;
          ++i;
        } else if (src[i] == '\n') {
          ++line;
          if (!triple) break;  // unterminated one-line string: stop at the line's end
        } else if (src[i] == c && (!triple || (i + 2 < src.size() && src[i + 1] == c && src[i + 2] == c))) {
          if (triple) i += 2;
          break;
        }
      }
      cur.text += "\"\"";
    } else if (c == '\\' && i + 1 < src.size() && src[i + 1] == '\n') {
      ++i, ++line;
      cur.text += ' ';
    } else if (c == '\n') {
      ++line;
      if (depth > 0) cur.text += ' ';
      else flush();
    } else if (c == ';' && depth == 0) {
      flush();
    } else {
      if (c == '(' || c == '[' || c == '{') ++depth;
      if ((c == ')' || c == ']' || c == '}') && depth > 0) --depth;
      if (cur.text.empty()) cur.line = line;
      cur.text += c;
    }
  }
  flush();
  return out;
}

// Tokens: identifiers, dotted runs of '.', and single punctuation characters.
std::vector<std::string> tokens(std::string_view s) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < s.size();) {
    char c = s[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (ident_char(c)) {
      std::size_t j = i;
      while (j < s.size() && ident_char(s[j])) ++j;
      out.emplace_back(s.substr(i, j - i));
      i = j;
    } else {
      out.emplace_back(1, c);
      ++i;
    }
  }
  return out;
}

bool is_block_keyword(const std::string& t) {
  static const char* const kKeywords[] = {"try", "else", "finally", "except", "if", "elif", "with", "for", "while", "def", "class", "async"};
  for (const char* k : kKeywords)
    if (t == k) return true;
  return false;
}

// Drops "if cond:" / "try:" heads so `try: import x` still counts.
std::size_t skip_compound_heads(const std::vector<std::string>& t) {
  std::size_t at = 0;
  while (at < t.size() && is_block_keyword(t[at])) {
    int depth = 0;
    std::size_t j = at + 1;
    for (; j < t.size(); ++j) {
      if (t[j] == "(" || t[j] == "[" || t[j] == "{") ++depth;
      else if (t[j] == ")" || t[j] == "]" || t[j] == "}") --depth;
      else if (t[j] == ":" && depth == 0) break;
    }
    if (j >= t.size()) return t.size();
    at = j + 1;
  }
  return at;
}

// Reads "a.b.c" starting at `at`; empty when there is no identifier there.
std::string dotted(const std::vector<std::string>& t, std::size_t& at) {
  std::string name;
  while (at < t.size() && ident_char(t[at][0])) {
    name += t[at++];
    if (at + 1 < t.size() && t[at] == "." && ident_char(t[at + 1][0])) {
      name += '.';
      ++at;
    } else {
      break;
    }
  }
  return name;
}

void parse_statement(const Statement& st, std::vector<ImportedModule>& out) {
  auto t = tokens(st.text);
  std::size_t at = skip_compound_heads(t);
  if (at >= t.size()) return;
  if (t[at] == "import") {
    ++at;
    while (at < t.size()) {
      std::string name = dotted(t, at);
      if (name.empty()) return;
      out.push_back({name, {}, st.line});
      if (at + 1 < t.size() && t[at] == "as") at += 2;
      if (at < t.size() && t[at] == ",") ++at;
      else return;
    }
  } else if (t[at] == "from") {
    ++at;
    if (at < t.size() && t[at] == ".") return;  // relative import
    std::string name = dotted(t, at);
    if (name.empty() || at >= t.size() || t[at] != "import") return;
    ImportedModule m{name, {}, st.line};
    for (++at; at < t.size(); ++at) {
      if (t[at] == "*" || ident_char(t[at][0])) {
        m.names.push_back(t[at]);
        if (at + 2 < t.size() && t[at + 1] == "as") at += 2;
      }
    }
    out.push_back(std::move(m));
  }
}

}  // namespace

std::vector<ImportedModule> parse_imports(std::string_view source) {
  std::vector<ImportedModule> out;
  for (const Statement& st : statements(source)) parse_statement(st, out);
  return out;
}

bool is_stdlib(std::string_view top_level) { return detail::is_stdlib_module(top_level); }

}  // namespace lab::envs
