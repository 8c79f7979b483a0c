// Manifest values and their JSON form (docs/manifest.md).
#include <lab/files/manifest.hpp>
#include <lab/util/strings.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>
#include <nlohmann/json.hpp>
#include <xxhash.h>

namespace lab::files {
namespace {

constexpr int kFormatVersion = 1;

bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80 ? 0 : (c >> 5) == 6 ? 1 : (c >> 4) == 14 ? 2 : (c >> 3) == 30 ? 3 : 9;
    if (n == 9 || (n > 0 && i + n >= s.size())) return false;
    std::uint32_t cp = n == 0 ? c : c & (0x3f >> n);
    for (std::size_t k = 1; k <= n; ++k) {
      const auto d = static_cast<unsigned char>(s[i + k]);
      if ((d >> 6) != 2) return false;
      cp = (cp << 6) | (d & 0x3f);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
    static constexpr std::uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n + 1;
  }
  return true;
}

Result<std::string> from_hex(std::string_view hex, const char* what) {
  if (hex.size() % 2) return fail(Errc::corrupt, std::string("manifest: odd-length ") + what);
  std::string out;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    int v = 0;
    for (char c : hex.substr(i, 2)) {
      v <<= 4;
      if (c >= '0' && c <= '9') v |= c - '0';
      else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
      else return fail(Errc::corrupt, std::string("manifest: ") + what + " is not lower-case hex");
    }
    out.push_back(static_cast<char>(v));
  }
  return out;
}

std::string to_hex(std::string_view s) {
  return util::to_hex({reinterpret_cast<const unsigned char*>(s.data()), s.size()});
}

// Stores `s` under `key`, or under `key`_hex when it is not valid UTF-8.
void put_bytes(nlohmann::json& j, const char* key, const std::string& s) {
  if (valid_utf8(s)) j[key] = s;
  else j[std::string(key) + "_hex"] = to_hex(s);
}

Result<std::string> get_bytes(const nlohmann::json& j, const char* key) {
  if (auto it = j.find(key); it != j.end() && it->is_string()) return it->get<std::string>();
  const std::string hex_key = std::string(key) + "_hex";
  if (auto it = j.find(hex_key); it != j.end() && it->is_string())
    return from_hex(it->get_ref<const std::string&>(), hex_key.c_str());
  return fail(Errc::corrupt, std::string("manifest: an entry has no '") + key + "'");
}

}  // namespace

std::string Hash128::hex() const { return util::to_hex(bytes); }

Result<Hash128> Hash128::from_hex(std::string_view hex) {
  if (hex.size() != 32) return fail(Errc::invalid_argument, "a hash must be 32 hex digits");
  auto raw = files::from_hex(hex, "hash");
  if (!raw) return fail(Errc::invalid_argument, raw.error().message);
  Hash128 h;
  std::copy(raw->begin(), raw->end(), h.bytes.begin());
  return h;
}

Hash128 Hash128::of(std::string_view data) {
  XXH128_canonical_t c;
  XXH128_canonicalFromHash(&c, XXH3_128bits(data.data(), data.size()));
  Hash128 h;
  std::copy(std::begin(c.digest), std::end(c.digest), h.bytes.begin());
  return h;
}

Result<Hash128> Hash128::of_file(const std::filesystem::path& path, std::uint64_t* size) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), std::fclose);
  if (!f) return fail(Errc::io, "cannot read " + path.string() + ": " + std::strerror(errno));
  std::unique_ptr<XXH3_state_t, decltype(&XXH3_freeState)> st(XXH3_createState(), XXH3_freeState);
  if (!st || XXH3_128bits_reset(st.get()) != XXH_OK) return fail(Errc::internal, "cannot start hashing");
  std::vector<char> buf(1 << 20);
  std::uint64_t total = 0;
  while (std::size_t n = std::fread(buf.data(), 1, buf.size(), f.get())) {
    XXH3_128bits_update(st.get(), buf.data(), n);
    total += n;
  }
  if (std::ferror(f.get())) return fail(Errc::io, "cannot read " + path.string());
  if (size) *size = total;
  XXH128_canonical_t c;
  XXH128_canonicalFromHash(&c, XXH3_128bits_digest(st.get()));
  Hash128 h;
  std::copy(std::begin(c.digest), std::end(c.digest), h.bytes.begin());
  return h;
}

std::string_view Entry::mode() const {
  if (kind == EntryKind::symlink) return "120000";
  return executable ? "100755" : "100644";
}

bool Entry::points_outside() const {
  if (kind != EntryKind::symlink) return false;
  if (target.empty() || target.front() == '/') return true;
  long depth = static_cast<long>(std::count(path.begin(), path.end(), '/'));
  for (const auto& part : util::split(target, '/')) {
    if (part == "..") {
      if (--depth < 0) return true;
    } else if (!part.empty() && part != ".") {
      ++depth;
    }
  }
  return false;
}

std::uint64_t Manifest::total_bytes() const {
  std::uint64_t n = 0;
  for (const auto& e : entries) n += e.size;
  return n;
}

std::string to_json(const Manifest& m, bool pretty) {
  nlohmann::json entries = nlohmann::json::array();
  for (const auto& e : m.entries) {
    nlohmann::json j;
    put_bytes(j, "path", e.path);
    j["mode"] = e.mode();
    j["size"] = e.size;
    j["xxh3"] = e.hash.hex();
    if (e.kind == EntryKind::symlink) {
      put_bytes(j, "target", e.target);
      if (e.points_outside()) j["outside"] = true;
    }
    entries.push_back(std::move(j));
  }
  nlohmann::json doc = {{"format", "lab-manifest"},
                        {"version", kFormatVersion},
                        {"hash", "xxh3-128"},
                        {"count", m.entries.size()},
                        {"total_bytes", m.total_bytes()},
                        {"entries", std::move(entries)}};
  return doc.dump(pretty ? 2 : -1);
}

Result<Manifest> manifest_from_json(std::string_view text) {
  try {
    const auto doc = nlohmann::json::parse(text);
    if (!doc.is_object() || doc.value("format", "") != "lab-manifest")
      return fail(Errc::corrupt, "manifest: 'format' is not \"lab-manifest\"");
    if (doc.value("version", 0) != kFormatVersion)
      return fail(Errc::corrupt, "manifest: unsupported 'version' (this lab reads version 1)");
    if (doc.value("hash", "") != "xxh3-128")
      return fail(Errc::corrupt, "manifest: 'hash' is not \"xxh3-128\"");
    Manifest m;
    for (const auto& j : doc.at("entries")) {
      Entry e;
      auto path = get_bytes(j, "path");
      if (!path) return std::unexpected(path.error());
      e.path = std::move(*path);
      const std::string mode = j.at("mode").get<std::string>();
      if (mode == "120000") {
        e.kind = EntryKind::symlink;
        auto target = get_bytes(j, "target");
        if (!target) return std::unexpected(target.error());
        e.target = std::move(*target);
      } else if (mode == "100755") {
        e.executable = true;
      } else if (mode != "100644") {
        return fail(Errc::corrupt, "manifest: entry '" + e.path + "' has unknown mode " + mode);
      }
      e.size = j.at("size").get<std::uint64_t>();
      auto h = Hash128::from_hex(j.at("xxh3").get<std::string>());
      if (!h) return fail(Errc::corrupt, "manifest: entry '" + e.path + "': " + h.error().message);
      e.hash = *h;
      m.entries.push_back(std::move(e));
    }
    return m;
  } catch (const nlohmann::json::exception& ex) {
    return fail(Errc::corrupt, std::string("manifest: not valid JSON of the expected shape (") +
                                   ex.what() + ")");
  }
}

}  // namespace lab::files
