#include <lab/storage/key.hpp>

#include <string>

#include <lab/util/strings.hpp>

namespace lab::storage {
namespace {

// Length of the UTF-8 sequence starting at s[i], or 0 if it is not well-formed
// (overlong forms, surrogates and code points above U+10FFFF included).
std::size_t utf8_length(std::string_view s, std::size_t i) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = byte(i);
  std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  std::uint32_t cp = n == 1 ? c : n == 2 ? (c & 0x1fu) : n == 3 ? (c & 0x0fu) : (c & 0x07u);
  for (std::size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3fu);
  }
  static constexpr std::uint32_t kMinForLength[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMinForLength[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return n;
}

std::unexpected<Error> bad_key(std::string_view key, const std::string& why) {
  std::string shown(key.substr(0, 120));
  for (auto& ch : shown) {
    if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) ch = '?';
  }
  if (key.size() > 120) shown += "...";
  return fail(Errc::invalid_argument, "invalid storage key '" + shown + "': " + why);
}

}  // namespace

Result<void> validate_key(std::string_view key) {
  if (key.empty()) return bad_key(key, "it is empty");
  if (key.size() > kMaxKeyBytes) {
    return bad_key(key, "it is " + std::to_string(key.size()) + " bytes long; the limit is " +
                            std::to_string(kMaxKeyBytes));
  }
  for (std::size_t i = 0; i < key.size();) {
    auto c = static_cast<unsigned char>(key[i]);
    if (c < 0x20 || c == 0x7f) return bad_key(key, "it contains a control character (byte " + std::to_string(c) + ")");
    std::size_t n = utf8_length(key, i);
    if (n == 0) return bad_key(key, "it is not valid UTF-8 at byte " + std::to_string(i));
    i += n;
  }
  if (key.front() == '/') return bad_key(key, "it starts with '/'; keys are relative");
  for (const auto& segment : util::split(key, '/')) {
    if (segment.empty()) return bad_key(key, "it has an empty segment (a trailing or doubled '/')");
    if (segment == "." || segment == "..") return bad_key(key, "it has a '" + segment + "' segment");
    if (segment.size() > kMaxSegmentBytes) {
      return bad_key(key, "a segment is longer than " + std::to_string(kMaxSegmentBytes) + " bytes");
    }
    if (segment.starts_with(kReservedSegmentPrefix)) {
      return bad_key(key, "segments starting with '" + std::string(kReservedSegmentPrefix) + "' are reserved");
    }
  }
  return {};
}

}  // namespace lab::storage
