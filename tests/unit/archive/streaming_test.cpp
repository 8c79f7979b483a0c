#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <lab/archive/archive.hpp>

#include "unit/archive/archive_test_util.hpp"

using namespace lab;
using namespace lab::archive;
using namespace lab::archive::test;

namespace {

// This process's peak resident memory in KiB (VmHWM), or 0 if unknown.
long peak_rss_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("VmHWM:")) return std::stol(line.substr(6));
  }
  return 0;
}

// Resets VmHWM to the current RSS (Linux 4.0+); false where the kernel does not allow it.
bool reset_peak_rss() {
  std::ofstream clear("/proc/self/clear_refs");
  clear << "5";
  clear.flush();
  return clear.good();
}

}  // namespace

TEST_CASE("packing and unpacking 200 MB keeps peak memory bounded") {
  constexpr std::uint64_t kSize = 200ull * 1024 * 1024;
  constexpr long kAllowedGrowthKiB = 48 * 1024;  // far below the 200 MB that buffering would need
  ScratchDir tmp;
  fs::create_directories(tmp.path / "src");
  {  // A sparse file: 200 MB to read, almost nothing on disk.
    int fd = ::open((tmp.path / "src/big.bin").c_str(), O_WRONLY | O_CREAT, 0644);
    REQUIRE(fd >= 0);
    REQUIRE(::ftruncate(fd, static_cast<off_t>(kSize)) == 0);
    REQUIRE(::pwrite(fd, "end", 3, static_cast<off_t>(kSize - 3)) == 3);
    ::close(fd);
  }
  bool reset = reset_peak_rss();
  long before = peak_rss_kib();
  std::string packed;
  std::size_t largest_chunk = 0;
  WriteFn sink = [&](std::span<const std::byte> chunk) -> Result<void> {
    largest_chunk = std::max(largest_chunk, chunk.size());
    packed.append(reinterpret_cast<const char*>(chunk.data()), chunk.size());
    return {};
  };
  auto p = pack_folder(tmp.path / "src", sink);
  REQUIRE_MESSAGE(p.has_value(), why(p));
  CHECK(p->content_bytes == kSize);
  CHECK(largest_chunk <= kBufferBytes);
  CHECK(packed.size() < 1024 * 1024);  // zeros compress; the archive itself stays small
  long after_pack = peak_rss_kib();

  if (reset) reset_peak_rss();
  long before_unpack = peak_rss_kib();
  std::size_t pos = 0;
  ReadFn source = [&](std::span<std::byte> buf) -> Result<std::size_t> {
    std::size_t n = std::min(buf.size(), packed.size() - pos);
    std::memcpy(buf.data(), packed.data() + pos, n);
    pos += n;
    return n;
  };
  auto u = unpack(source, tmp.path / "dst");
  REQUIRE_MESSAGE(u.has_value(), why(u));
  long after_unpack = peak_rss_kib();
  CHECK(u->content_bytes == kSize);
  CHECK(fs::file_size(tmp.path / "dst/big.bin") == kSize);
  MESSAGE("peak RSS growth: pack " << (after_pack - before) << " KiB, unpack " << (after_unpack - before_unpack)
                                   << " KiB" << std::string(reset ? "" : " (VmHWM could not be reset)"));
  CHECK(after_pack - before < kAllowedGrowthKiB);
  CHECK(after_unpack - before_unpack < kAllowedGrowthKiB);
}
