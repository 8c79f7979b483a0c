#include "xml.hpp"

#include <cstdint>

namespace lab::s3 {
namespace {

constexpr int kMaxDepth = 32;

class Parser {
 public:
  explicit Parser(std::string_view s) : s_(s) {}

  Result<XmlNode> document() {
    skip_misc();
    if (!at('<')) return error("expected a root element");
    auto root = element(0);
    if (!root) return root;
    skip_misc();
    if (pos_ != s_.size()) return error("text after the root element");
    return root;
  }

 private:
  std::unexpected<Error> error(const std::string& what) const {
    return fail(Errc::corrupt, "malformed XML from the storage at byte " + std::to_string(pos_) + ": " + what);
  }
  bool at(char c) const { return pos_ < s_.size() && s_[pos_] == c; }
  bool at(std::string_view lit) const { return s_.substr(pos_, lit.size()) == lit; }
  void skip_ws() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\n' || s_[pos_] == '\r' || s_[pos_] == '\t')) ++pos_;
  }
  // Skips whitespace, <?...?> declarations, comments and <!DOCTYPE ...>.
  void skip_misc() {
    for (;;) {
      skip_ws();
      std::string_view end;
      if (at("<?")) end = "?>";
      else if (at("<!--")) end = "-->";
      else if (at("<!D")) end = ">";
      else return;
      std::size_t e = s_.find(end, pos_);
      pos_ = e == std::string_view::npos ? s_.size() : e + end.size();
    }
  }

  static void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  // Decodes character data up to the next '<'.
  Result<void> text(std::string& out) {
    while (pos_ < s_.size() && s_[pos_] != '<') {
      char c = s_[pos_];
      if (c != '&') {
        out += c;
        ++pos_;
        continue;
      }
      std::size_t semi = s_.find(';', pos_);
      if (semi == std::string_view::npos || semi - pos_ > 12) return error("unterminated entity");
      std::string_view ent = s_.substr(pos_ + 1, semi - pos_ - 1);
      if (ent == "amp") out += '&';
      else if (ent == "lt") out += '<';
      else if (ent == "gt") out += '>';
      else if (ent == "quot") out += '"';
      else if (ent == "apos") out += '\'';
      else if (ent.size() > 1 && ent[0] == '#') {
        bool hex = ent[1] == 'x' || ent[1] == 'X';
        std::string_view digits = ent.substr(hex ? 2 : 1);
        if (digits.empty()) return error("empty character reference");
        std::uint32_t cp = 0;
        for (char d : digits) {
          int v = (d >= '0' && d <= '9') ? d - '0'
                  : hex && (d >= 'a' && d <= 'f') ? d - 'a' + 10
                  : hex && (d >= 'A' && d <= 'F') ? d - 'A' + 10 : -1;
          if (v < 0) return error("bad character reference");
          cp = cp * (hex ? 16 : 10) + static_cast<std::uint32_t>(v);
          if (cp > 0x10FFFF) return error("character reference out of range");
        }
        append_utf8(out, cp);
      } else {
        return error("unknown entity &" + std::string(ent) + ";");
      }
      pos_ = semi + 1;
    }
    return {};
  }

  std::string name() {
    std::size_t b = pos_;
    while (pos_ < s_.size() && s_[pos_] != '>' && s_[pos_] != '/' && s_[pos_] != ' ' &&
           s_[pos_] != '\t' && s_[pos_] != '\n' && s_[pos_] != '\r')
      ++pos_;
    return std::string(s_.substr(b, pos_ - b));
  }

  Result<XmlNode> element(int depth) {
    if (depth > kMaxDepth) return error("elements nested too deeply");
    ++pos_;  // '<'
    XmlNode node;
    node.name = name();
    if (node.name.empty()) return error("element without a name");
    // Skip attributes (S3 only puts xmlns there), honouring quotes.
    char quote = 0;
    while (pos_ < s_.size() && (quote || (s_[pos_] != '>' && !at("/>")))) {
      if (quote && s_[pos_] == quote) quote = 0;
      else if (!quote && (s_[pos_] == '"' || s_[pos_] == '\'')) quote = s_[pos_];
      ++pos_;
    }
    if (pos_ >= s_.size()) return error("unterminated tag <" + node.name + ">");
    if (at("/>")) {
      pos_ += 2;
      return node;
    }
    ++pos_;  // '>'
    for (;;) {
      if (pos_ >= s_.size()) return error("missing </" + node.name + ">");
      if (at("</")) {
        pos_ += 2;
        std::string close = name();
        skip_ws();
        if (close != node.name || !at('>')) return error("</" + close + "> closes <" + node.name + ">");
        ++pos_;
        return node;
      }
      if (at("<![CDATA[")) {
        std::size_t e = s_.find("]]>", pos_);
        if (e == std::string_view::npos) return error("unterminated CDATA");
        node.text.append(s_.substr(pos_ + 9, e - pos_ - 9));
        pos_ = e + 3;
      } else if (at("<!--") || at("<?")) {
        skip_misc();
      } else if (at('<')) {
        auto child = element(depth + 1);
        if (!child) return child;
        node.children.push_back(std::move(*child));
      } else if (auto r = text(node.text); !r) {
        return std::unexpected(r.error());
      }
    }
  }

  std::string_view s_;
  std::size_t pos_ = 0;
};

}  // namespace

const XmlNode* XmlNode::child(std::string_view n) const {
  for (const auto& c : children)
    if (c.name == n) return &c;
  return nullptr;
}

std::string XmlNode::child_text(std::string_view n) const {
  const XmlNode* c = child(n);
  return c ? c->text : std::string();
}

Result<XmlNode> parse_xml(std::string_view doc) { return Parser(doc).document(); }

}  // namespace lab::s3
