#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <lab/archive/archive.hpp>

#include "unit/archive/archive_test_util.hpp"

using namespace lab;
using namespace lab::archive;
using namespace lab::archive::test;

namespace {

// A project with every kind of name and entry an archive must carry unchanged.
void make_odd_tree(const fs::path& src) {
  write_file(src / "plain.txt", "hello\n");
  write_file(src / "with space/and more spaces.py", "print('x')\n");
  write_file(src / "caf\xc3\xa9.txt", "nfc\n");        // é as one code point
  write_file(src / "cafe\xcc\x81.txt", "nfd\n");       // e + combining accent: another name
  write_file(src / "\xe6\x95\xb0\xe6\x8d\xae/\xe8\xae\xad\xe7\xbb\x83.py", "zh\n");
  write_file(src / "empty", "");
  write_file(src / "run.sh", "#!/bin/sh\necho hi\n", fs::perms(0755));
  write_file(src / "readonly.cfg", "ro\n", fs::perms(0444));
  fs::path deep = src;
  for (int i = 0; i < 4; ++i) deep /= std::string(90, static_cast<char>('a' + i));
  write_file(deep / "deep file.txt", "deep\n");
  REQUIRE(deep.lexically_relative(src).string().size() > 300);
  fs::create_directories(src / "empty dir");
  fs::create_directory_symlink("with space", src / "link to dir");
  fs::create_symlink("../plain.txt", src / "with space/link up");
  fs::create_symlink("missing-target", src / "dangling");
  // A fixed, old mtime on one file and one folder, so restoring it is not a coincidence.
  struct timespec times[2] = {{1'500'000'000, 0}, {1'500'000'000, 0}};
  ::utimensat(AT_FDCWD, (src / "plain.txt").c_str(), times, 0);
  ::utimensat(AT_FDCWD, (src / "empty dir").c_str(), times, 0);
}

}  // namespace

TEST_CASE("pack_folder and unpack round-trip odd names, modes, mtimes and symlinks") {
  ScratchDir tmp;
  make_odd_tree(tmp.path / "src");
  auto packed = pack_folder(tmp.path / "src", tmp.path / "out.tar.zst");
  REQUIRE_MESSAGE(packed.has_value(), why(packed));
  auto unpacked = unpack(tmp.path / "out.tar.zst", tmp.path / "dst");
  REQUIRE_MESSAGE(unpacked.has_value(), why(unpacked));
  CHECK(unpacked->entries == packed->entries);
  CHECK(unpacked->content_bytes == packed->content_bytes);
  CHECK(describe_tree(tmp.path / "dst") == describe_tree(tmp.path / "src"));
  CHECK(fs::is_regular_file(tmp.path / "dst/caf\xc3\xa9.txt"));
  CHECK(fs::is_regular_file(tmp.path / "dst/cafe\xcc\x81.txt"));
  CHECK((fs::status(tmp.path / "dst/run.sh").permissions() & fs::perms::owner_exec) != fs::perms::none);
}

TEST_CASE("the packed stream is zstd-compressed PAX tar that others can read") {
  ScratchDir tmp;
  write_file(tmp.path / "src/a b.txt", std::string(10000, 'x'));
  REQUIRE(pack_folder(tmp.path / "src", tmp.path / "out.tar.zst"));
  std::string bytes = read_file(tmp.path / "out.tar.zst");
  REQUIRE(bytes.size() > 4);
  CHECK(bytes.substr(0, 4) == std::string("\x28\xb5\x2f\xfd", 4));  // zstd frame magic
  CHECK(bytes.size() < 1000);
  std::string cmd = "zstd -dc '" + (tmp.path / "out.tar.zst").string() + "' | tar -tf - > '" +
                    (tmp.path / "list").string() + "' 2>/dev/null";
  if (std::system(cmd.c_str()) == 0) CHECK(read_file(tmp.path / "list") == "a b.txt\n");
}

TEST_CASE("pack_entries packs only the listed paths and refuses paths that leave the root") {
  ScratchDir tmp;
  write_file(tmp.path / "src/keep.py", "k");
  write_file(tmp.path / "src/sub/also.py", "a");
  write_file(tmp.path / "src/sub/skip.bin", "s");
  write_file(tmp.path / "src/skip.log", "s");
  std::vector<std::string> list{"keep.py", "./sub//also.py"};
  auto packed = pack_entries(tmp.path / "src", list, tmp.path / "out.tar.zst");
  REQUIRE_MESSAGE(packed.has_value(), why(packed));
  CHECK(packed->entries == 2);
  REQUIRE(unpack(tmp.path / "out.tar.zst", tmp.path / "dst"));
  CHECK(read_file(tmp.path / "dst/keep.py") == "k");
  CHECK(read_file(tmp.path / "dst/sub/also.py") == "a");
  CHECK_FALSE(fs::exists(tmp.path / "dst/skip.log"));
  CHECK_FALSE(fs::exists(tmp.path / "dst/sub/skip.bin"));

  for (std::string bad : {"../src/keep.py", "/etc/passwd", "sub/../../x"}) {
    std::vector<std::string> one{bad};
    auto r = pack_entries(tmp.path / "src", one, tmp.path / "bad.tar.zst");
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == Errc::invalid_argument);
    CHECK(r.error().message.find(bad) != std::string::npos);
  }
  std::vector<std::string> missing{"nope.py"};
  auto r = pack_entries(tmp.path / "src", missing, tmp.path / "bad.tar.zst");
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == Errc::not_found);
}

TEST_CASE("pack refuses fifos and bad zstd levels with a message naming them") {
  ScratchDir tmp;
  write_file(tmp.path / "src/a.txt", "a");
  REQUIRE(::mkfifo((tmp.path / "src/pipe").c_str(), 0644) == 0);
  auto r = pack_folder(tmp.path / "src", tmp.path / "out.tar.zst");
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().message.find("pipe") != std::string::npos);
  fs::remove(tmp.path / "src/pipe");
  auto level = pack_folder(tmp.path / "src", tmp.path / "out.tar.zst", PackOptions{.zstd_level = 40});
  REQUIRE_FALSE(level.has_value());
  CHECK(level.error().code == Errc::invalid_argument);
  CHECK(pack_folder(tmp.path / "src", tmp.path / "out.tar.zst", PackOptions{.zstd_level = 19}));
}

TEST_CASE("pack streams into a callback or fd and unpack reads from a callback or fd") {
  ScratchDir tmp;
  make_odd_tree(tmp.path / "src");
  std::string bytes;
  WriteFn collect = [&](std::span<const std::byte> chunk) -> Result<void> {
    bytes.append(reinterpret_cast<const char*>(chunk.data()), chunk.size());
    return {};
  };
  REQUIRE(pack_folder(tmp.path / "src", collect));
  std::size_t pos = 0;
  ReadFn replay = [&](std::span<std::byte> buf) -> Result<std::size_t> {
    std::size_t n = std::min(buf.size(), bytes.size() - pos);
    std::memcpy(buf.data(), bytes.data() + pos, n);
    pos += n;
    return n;
  };
  auto r = unpack(replay, tmp.path / "from-callback");
  REQUIRE_MESSAGE(r.has_value(), why(r));
  CHECK(describe_tree(tmp.path / "from-callback") == describe_tree(tmp.path / "src"));

  int out = ::open((tmp.path / "fd.tar.zst").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  REQUIRE(out >= 0);
  REQUIRE(pack_folder(tmp.path / "src", Fd{out}));
  ::close(out);
  int in = ::open((tmp.path / "fd.tar.zst").c_str(), O_RDONLY);
  REQUIRE(in >= 0);
  auto from_fd = unpack(Fd{in}, tmp.path / "from-fd");
  ::close(in);
  REQUIRE_MESSAGE(from_fd.has_value(), why(from_fd));
  CHECK(describe_tree(tmp.path / "from-fd") == describe_tree(tmp.path / "src"));
}

TEST_CASE("a failing sink or source stops the archive with the callback's own error") {
  ScratchDir tmp;
  write_file(tmp.path / "src/big.bin", std::string(1 << 20, 'z'));
  WriteFn broken = [](std::span<const std::byte>) -> Result<void> {
    return fail(Errc::unavailable, "upload connection dropped");
  };
  auto packed = pack_folder(tmp.path / "src", broken);
  REQUIRE_FALSE(packed.has_value());
  CHECK(packed.error().code == Errc::unavailable);
  CHECK(packed.error().message.find("upload connection dropped") != std::string::npos);

  ReadFn failing = [](std::span<std::byte>) -> Result<std::size_t> {
    return fail(Errc::timeout, "download stalled");
  };
  auto unpacked = unpack(failing, tmp.path / "dst");
  REQUIRE_FALSE(unpacked.has_value());
  CHECK(unpacked.error().code == Errc::timeout);
}
