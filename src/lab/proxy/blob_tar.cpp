#include "blob_tar.hpp"

#include <algorithm>
#include <utility>

namespace lab::proxy {
namespace {

constexpr std::size_t kBlock = 512;

// A numeric header field: octal text, or base-256 when the first byte has its top bit set.
bool parse_number(std::string_view field, std::uint64_t& out) {
  out = 0;
  if (!field.empty() && (static_cast<unsigned char>(field[0]) & 0x80)) {
    for (std::size_t i = 0; i < field.size(); ++i) {
      unsigned char c = static_cast<unsigned char>(field[i]);
      if (i == 0) c &= 0x7f;
      if (out >> 56) return false;
      out = (out << 8) | c;
    }
    return true;
  }
  std::size_t i = 0;
  while (i < field.size() && field[i] == ' ') ++i;
  bool any = false;
  for (; i < field.size() && field[i] >= '0' && field[i] <= '7'; ++i) {
    if (out >> 60) return false;
    out = out * 8 + static_cast<std::uint64_t>(field[i] - '0');
    any = true;
  }
  for (; i < field.size(); ++i)
    if (field[i] != ' ' && field[i] != '\0') return false;
  return any;
}

std::string cstr(std::string_view field) { return std::string(field.substr(0, field.find('\0'))); }

bool checksum_ok(std::string_view h) {
  std::uint64_t stored = 0;
  if (!parse_number(h.substr(148, 8), stored)) return false;
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < kBlock; ++i)
    sum += (i >= 148 && i < 156) ? ' ' : static_cast<unsigned char>(h[i]);
  return sum == stored;
}

}  // namespace

Result<void> TarStreamParser::feed(std::string_view bytes) {
  auto failed = [&](Error e) -> Result<void> {
    state_ = State::failed;
    error_ = e;
    return std::unexpected(std::move(e));
  };
  while (!bytes.empty()) {
    switch (state_) {
      case State::failed: return std::unexpected(error_);
      case State::ended: return {};  // trailing zero padding after the end marker
      case State::header: {
        std::size_t take = std::min(kBlock - block_.size(), bytes.size());
        block_.append(bytes.substr(0, take));
        bytes.remove_prefix(take);
        if (block_.size() == kBlock)
          if (auto r = on_header(); !r) return failed(r.error());
        break;
      }
      case State::content:
      case State::pax: {
        std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, bytes.size()));
        if (state_ == State::pax) {
          pax_.append(bytes.substr(0, take));
        } else if (is_file_) {
          if (auto r = sink_.data(bytes.substr(0, take)); !r) return failed(r.error());
        }
        bytes.remove_prefix(take);
        remaining_ -= take;
        if (remaining_ == 0) {
          if (state_ == State::pax) {
            if (auto r = parse_pax(); !r) return failed(r.error());
          } else if (is_file_) {
            if (auto r = sink_.end(); !r) return failed(r.error());
          }
          state_ = padding_ ? State::padding : State::header;
        }
        break;
      }
      case State::padding: {
        std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(padding_, bytes.size()));
        bytes.remove_prefix(take);
        padding_ -= take;
        if (padding_ == 0) state_ = State::header;
        break;
      }
    }
  }
  return {};
}

Result<void> TarStreamParser::on_header() {
  std::string h = std::move(block_);
  block_.clear();
  if (std::all_of(h.begin(), h.end(), [](char c) { return c == '\0'; })) {
    if (++zero_blocks_ == 2) state_ = State::ended;
    return {};
  }
  zero_blocks_ = 0;
  if (!checksum_ok(h)) return fail(Errc::invalid_argument, "the upload is not a valid tar stream (a header's checksum is wrong)");
  std::uint64_t size = 0;
  if (!parse_number(std::string_view(h).substr(124, 12), size))
    return fail(Errc::invalid_argument, "the upload is not a valid tar stream (a header's size is unreadable)");
  std::string name = cstr(std::string_view(h).substr(0, 100));
  if (std::string_view(h).substr(257, 5) == "ustar") {
    std::string prefix = cstr(std::string_view(h).substr(345, 155));
    if (!prefix.empty()) name = prefix + "/" + name;
  }
  if (!pax_path_.empty()) name = std::exchange(pax_path_, {});
  while (name.starts_with("./")) name.erase(0, 2);
  const char type = h[156];
  remaining_ = size;
  padding_ = (kBlock - size % kBlock) % kBlock;
  is_file_ = false;
  if (type == 'x' || type == 'g') {
    if (size > kMaxPaxHeaderBytes) return fail(Errc::invalid_argument, "the upload's tar has an oversized pax header");
    pax_.clear();
    state_ = State::pax;
    if (type == 'g') state_ = State::content;  // global headers are skipped
  } else if (type == '0' || type == '\0' || type == '7') {
    is_file_ = true;
    if (auto r = sink_.begin(name, size); !r) return r;
    state_ = State::content;
  } else if (type == '5') {
    state_ = State::content;
  } else {
    return fail(Errc::invalid_argument,
                "the upload's entry '" + name + "' is not a regular file; send blobs as plain file entries");
  }
  if (remaining_ == 0) {
    if (state_ == State::pax) {
      if (auto r = parse_pax(); !r) return r;
    } else if (is_file_) {
      if (auto r = sink_.end(); !r) return r;
    }
    state_ = padding_ ? State::padding : State::header;
  }
  return {};
}

// Records are "<length> <key>=<value>\n"; only `path` matters here.
Result<void> TarStreamParser::parse_pax() {
  std::string_view rest = pax_;
  while (!rest.empty()) {
    std::size_t sp = rest.find(' ');
    std::uint64_t len = 0;  // decimal, and counts the whole record
    for (std::size_t i = 0; sp != std::string_view::npos && i < sp; ++i) {
      if (rest[i] < '0' || rest[i] > '9') return fail(Errc::invalid_argument, "the upload's tar has a damaged pax header");
      len = len * 10 + static_cast<std::uint64_t>(rest[i] - '0');
    }
    if (sp == std::string_view::npos || len <= sp + 1 || len > rest.size())
      return fail(Errc::invalid_argument, "the upload's tar has a damaged pax header");
    std::string_view record = rest.substr(sp + 1, len - sp - 2);  // without the trailing '\n'
    if (record.starts_with("path=")) pax_path_ = std::string(record.substr(5));
    rest.remove_prefix(len);
  }
  pax_.clear();
  return {};
}

Result<void> TarStreamParser::finish() {
  if (state_ == State::failed) return std::unexpected(error_);
  if (state_ == State::ended || (state_ == State::header && block_.empty())) return {};
  return fail(Errc::invalid_argument, "the upload ended in the middle of a tar entry; send the whole stream");
}

}  // namespace lab::proxy
