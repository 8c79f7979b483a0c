// Stat cache file format (all integers little-endian as on the machines lab runs on):
//   "LABSTAT1" | u32 root length | root bytes | u32 count |
//   count x { u32 path length | path bytes | u64 size | i64 mtime_ns | i64 ctime_ns |
//             u64 inode | 16 hash bytes } | u64 XXH3-64 of everything before it.
// A cache is a hint: any doubt about it (bad magic, checksum, other root) empties it.
#include "stat_cache.hpp"

#include <lab/util/strings.hpp>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <random>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

namespace lab::files {
namespace {

constexpr std::string_view kMagic = "LABSTAT1";

template <class T>
void put(std::string& out, T v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}

// Reads fixed-size values from a buffer; `ok` turns false on the first overrun.
struct Reader {
  std::string_view in;
  bool ok = true;
  template <class T>
  T get() {
    T v{};
    if (in.size() < sizeof v) { ok = false; return v; }
    std::memcpy(&v, in.data(), sizeof v);
    in.remove_prefix(sizeof v);
    return v;
  }
  std::string_view bytes(std::size_t n) {
    if (in.size() < n) { ok = false; return {}; }
    auto s = in.substr(0, n);
    in.remove_prefix(n);
    return s;
  }
};

bool read_all(const std::filesystem::path& file, std::string& out) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat st{};
  bool ok = ::fstat(fd, &st) == 0;
  if (ok) {
    out.resize(static_cast<std::size_t>(st.st_size));
    std::size_t done = 0;
    while (ok && done < out.size()) {
      const ssize_t n = ::read(fd, out.data() + done, out.size() - done);
      if (n < 0 && errno == EINTR) continue;
      ok = n > 0;
      if (ok) done += static_cast<std::size_t>(n);
    }
  }
  ::close(fd);
  return ok;
}

}  // namespace

std::filesystem::path StatCache::file_for(const std::filesystem::path& dir, std::string_view root) {
  const XXH64_hash_t h = XXH3_64bits(root.data(), root.size());
  unsigned char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<unsigned char>(h >> (56 - 8 * i));
  return dir / "stat" / (util::to_hex(b) + ".bin");
}

StatCache StatCache::load(const std::filesystem::path& file, std::string_view root) {
  StatCache cache;
  std::string buf;
  if (!read_all(file, buf) || buf.size() < kMagic.size() + 8) return cache;
  std::string_view body(buf.data(), buf.size() - 8);
  std::uint64_t sum;
  std::memcpy(&sum, buf.data() + body.size(), 8);
  if (!body.starts_with(kMagic) || XXH3_64bits(body.data(), body.size()) != sum) return cache;
  Reader r{body.substr(kMagic.size())};
  if (r.bytes(r.get<std::uint32_t>()) != root || !r.ok) return cache;
  const auto count = r.get<std::uint32_t>();
  std::vector<CachedFile> files;
  files.reserve(count);
  for (std::uint32_t i = 0; i < count && r.ok; ++i) {
    CachedFile f;
    f.path = r.bytes(r.get<std::uint32_t>());
    f.stat.size = r.get<std::uint64_t>();
    f.stat.mtime_ns = r.get<std::int64_t>();
    f.stat.ctime_ns = r.get<std::int64_t>();
    f.stat.inode = r.get<std::uint64_t>();
    const auto h = r.bytes(16);
    if (r.ok) std::memcpy(f.hash.bytes.data(), h.data(), 16);
    files.push_back(std::move(f));
  }
  if (!r.ok || !r.in.empty()) return cache;
  cache.files_ = std::move(files);
  cache.by_path_.reserve(cache.files_.size());
  for (const auto& f : cache.files_) cache.by_path_.emplace(f.path, &f);
  return cache;
}

const Hash128* StatCache::find(std::string_view path, const StatKey& stat) const {
  const auto it = by_path_.find(path);
  if (it == by_path_.end() || !(it->second->stat == stat)) return nullptr;
  return &it->second->hash;
}

Result<void> StatCache::save(const std::filesystem::path& file, std::string_view root,
                             const std::vector<CachedFile>& files) {
  std::string out(kMagic);
  put<std::uint32_t>(out, static_cast<std::uint32_t>(root.size()));
  out.append(root);
  put<std::uint32_t>(out, static_cast<std::uint32_t>(files.size()));
  for (const auto& f : files) {
    put<std::uint32_t>(out, static_cast<std::uint32_t>(f.path.size()));
    out.append(f.path);
    put(out, f.stat.size);
    put(out, f.stat.mtime_ns);
    put(out, f.stat.ctime_ns);
    put(out, f.stat.inode);
    out.append(reinterpret_cast<const char*>(f.hash.bytes.data()), 16);
  }
  put<std::uint64_t>(out, XXH3_64bits(out.data(), out.size()));

  std::error_code ec;
  std::filesystem::create_directories(file.parent_path(), ec);
  const auto tmp = file.string() + ".tmp." + std::to_string(::getpid()) + "." +
                   std::to_string(std::random_device{}());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    return fail(Errc::io, "cannot write the stat cache " + tmp + ": " + std::strerror(errno) +
                              " (set LAB_CACHE_DIR to a writable folder)");
  std::size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = ::write(fd, out.data() + done, out.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  const bool written = done == out.size();
  const int saved_errno = errno;
  ::close(fd);
  if (!written || ::rename(tmp.c_str(), file.c_str()) != 0) {
    const int e = written ? errno : saved_errno;
    ::unlink(tmp.c_str());
    return fail(Errc::io, "cannot write the stat cache " + file.string() + ": " + std::strerror(e));
  }
  return {};
}

}  // namespace lab::files
