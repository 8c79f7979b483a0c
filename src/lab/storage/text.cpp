#include <lab/storage/text.hpp>

#include <cstring>

namespace lab::storage {

Result<void> put_text(Storage& store, std::string_view key, std::string_view text) {
  std::size_t pos = 0;
  return store.put_stream(
      key,
      [&](std::span<std::byte> buf) -> Result<std::size_t> {
        std::size_t n = std::min(buf.size(), text.size() - pos);
        std::memcpy(buf.data(), text.data() + pos, n);
        pos += n;
        return n;
      },
      text.size());
}

Result<std::string> get_text(Storage& store, std::string_view key, std::size_t max_bytes) {
  std::string out;
  auto r = store.get_stream(key, [&](std::span<const std::byte> chunk) -> Result<void> {
    if (out.size() + chunk.size() > max_bytes)
      return fail(Errc::invalid_argument, "the object " + std::string(key) + " is too large to read whole");
    out.append(reinterpret_cast<const char*>(chunk.data()), chunk.size());
    return {};
  });
  if (!r) return std::unexpected(r.error());
  return out;
}

}  // namespace lab::storage
