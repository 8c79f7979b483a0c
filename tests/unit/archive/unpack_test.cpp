// Designated initializers leave RawEntry fields at their defaults on purpose.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#include <doctest/doctest.h>

#include <lab/archive/archive.hpp>

#include "unit/archive/archive_test_util.hpp"

using namespace lab;
using namespace lab::archive;
using namespace lab::archive::test;

namespace {

// Unpacks a hand-made tar into `root`/dst and returns the refusal, checking that the
// refusal is an Errc::corrupt naming `entry`, and that nothing appeared next to dst.
Error expect_refused(const fs::path& root, const std::vector<RawEntry>& entries, const std::string& entry) {
  fs::path tar = root / "evil.tar";
  write_raw_tar(tar, entries);
  auto before = describe_tree(root);
  auto r = unpack(tar, root / "dst");
  REQUIRE(!r.has_value());
  CHECK(r.error().code == Errc::corrupt);
  CHECK_MESSAGE(r.error().message.find("archive entry '" + entry + "'") != std::string::npos, r.error().message);
  CHECK(r.error().message.find("nothing outside") != std::string::npos);
  // Everything outside dst is as it was (dst itself may hold earlier entries).
  auto after = describe_tree(root);
  std::erase_if(after, [](const std::string& l) { return l.starts_with("dst"); });
  std::erase_if(before, [](const std::string& l) { return l.starts_with("dst"); });
  CHECK(after == before);
  return r.error();
}

}  // namespace

TEST_CASE("unpack refuses paths that climb out or are absolute") {
  ScratchDir tmp;
  expect_refused(tmp.path, {{.path = "ok.txt", .data = "fine"}, {.path = "../escaped.txt", .data = "x"}},
                 "../escaped.txt");
  CHECK(read_file(tmp.path / "dst/ok.txt") == "fine");  // earlier entries stay, as documented
  expect_refused(tmp.path, {{.path = "a/../../escaped.txt", .data = "x"}}, "a/../../escaped.txt");
  std::string absolute = (tmp.path / "absolute.txt").string();
  auto e = expect_refused(tmp.path, {{.path = absolute, .data = "x"}}, absolute);
  CHECK_FALSE(fs::exists(absolute));
  CHECK(e.message.find("escapes the target folder") != std::string::npos);
}

TEST_CASE("unpack refuses symlinks that point outside the target") {
  ScratchDir tmp;
  expect_refused(tmp.path, {{.path = "etc", .type = AE_IFLNK, .link = "/etc"}}, "etc");
  expect_refused(tmp.path, {{.path = "sub/up", .type = AE_IFLNK, .link = "../../"}}, "sub/up");
  CHECK_FALSE(fs::exists(fs::symlink_status(tmp.path / "dst/sub/up")));
}

TEST_CASE("unpack refuses links that escape only through other links, keeping none") {
  ScratchDir tmp;
  auto e = expect_refused(tmp.path,
                          {{.path = "self", .type = AE_IFLNK, .link = "."},
                           {.path = "up", .type = AE_IFLNK, .link = "self/.."},
                           {.path = "file.txt", .data = "f"}},
                          "up");
  CHECK(read_file(tmp.path / "dst/file.txt") == "f");
  CHECK_FALSE(fs::exists(fs::symlink_status(tmp.path / "dst/self")));
  CHECK_FALSE(fs::exists(fs::symlink_status(tmp.path / "dst/up")));
}

TEST_CASE("unpack refuses an entry written through a symlink from the same archive") {
  ScratchDir tmp;
  fs::create_directories(tmp.path / "outside");
  // The classic attack: a link (here harmless-looking, inside) then a file through it.
  expect_refused(tmp.path,
                 {{.path = "sub", .type = AE_IFDIR},
                  {.path = "link", .type = AE_IFLNK, .link = "sub"},
                  {.path = "link/payload", .data = "x"}},
                 "link/payload");
  CHECK_FALSE(fs::exists(tmp.path / "dst/sub/payload"));
  expect_refused(tmp.path,
                 {{.path = "link", .type = AE_IFLNK, .link = "sub"}, {.path = "link", .data = "replaced"}},
                 "link");
}

TEST_CASE("unpack does not write through a symlink already in the target folder") {
  ScratchDir tmp;
  fs::create_directories(tmp.path / "outside");
  fs::create_directories(tmp.path / "dst");
  fs::create_directory_symlink(tmp.path / "outside", tmp.path / "dst/pre");
  write_raw_tar(tmp.path / "evil.tar", {{.path = "pre/payload", .data = "x"}});
  auto r = unpack(tmp.path / "evil.tar", tmp.path / "dst");
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().message.find("pre/payload") != std::string::npos);
  CHECK_FALSE(fs::exists(tmp.path / "outside/payload"));
  CHECK(fs::is_symlink(tmp.path / "dst/pre"));

  // A symlink in the target at the very path of a file entry is replaced, not written through.
  write_file(tmp.path / "outside/victim.txt", "untouched");
  fs::create_symlink(tmp.path / "outside/victim.txt", tmp.path / "dst/victim.txt");
  write_raw_tar(tmp.path / "over.tar", {{.path = "victim.txt", .data = "new"}});
  auto over = unpack(tmp.path / "over.tar", tmp.path / "dst");
  REQUIRE_MESSAGE(over.has_value(), why(over));
  CHECK(read_file(tmp.path / "outside/victim.txt") == "untouched");
  CHECK_FALSE(fs::is_symlink(tmp.path / "dst/victim.txt"));
  CHECK(read_file(tmp.path / "dst/victim.txt") == "new");
}

TEST_CASE("unpack over an earlier unpack replaces files with the archive's version") {
  ScratchDir tmp;
  write_file(tmp.path / "dst/a.txt", "old and longer");
  write_file(tmp.path / "dst/keep.txt", "mine");
  write_raw_tar(tmp.path / "new.tar", {{.path = "a.txt", .data = "new"}, {.path = "d", .type = AE_IFDIR}});
  fs::create_directories(tmp.path / "dst/d");
  auto r = unpack(tmp.path / "new.tar", tmp.path / "dst");
  REQUIRE_MESSAGE(r.has_value(), why(r));
  CHECK(read_file(tmp.path / "dst/a.txt") == "new");
  CHECK(read_file(tmp.path / "dst/keep.txt") == "mine");
}

TEST_CASE("unpack refuses hardlinks to anything it did not extract itself") {
  ScratchDir tmp;
  write_file(tmp.path / "secret.txt", "secret");
  write_file(tmp.path / "dst/already-there.txt", "old");
  expect_refused(tmp.path, {{.path = "h", .link = "../secret.txt", .hardlink = true}}, "h");
  expect_refused(tmp.path, {{.path = "h", .link = (tmp.path / "secret.txt").string(), .hardlink = true}}, "h");
  expect_refused(tmp.path, {{.path = "h", .link = "already-there.txt", .hardlink = true}}, "h");
  CHECK(read_file(tmp.path / "secret.txt") == "secret");
  // A hardlink to a file from the same archive is fine.
  write_raw_tar(tmp.path / "ok.tar",
                {{.path = "a.txt", .data = "same"}, {.path = "b.txt", .link = "a.txt", .hardlink = true}});
  auto ok = unpack(tmp.path / "ok.tar", tmp.path / "ok");
  REQUIRE_MESSAGE(ok.has_value(), why(ok));
  CHECK(read_file(tmp.path / "ok/b.txt") == "same");
}

TEST_CASE("unpack refuses devices and fifos") {
  ScratchDir tmp;
  expect_refused(tmp.path, {{.path = "null", .type = AE_IFCHR}}, "null");
  expect_refused(tmp.path, {{.path = "pipe", .type = AE_IFIFO}}, "pipe");
  CHECK_FALSE(fs::exists(fs::symlink_status(tmp.path / "dst/pipe")));
}

TEST_CASE("unpack reports garbage and truncated archives as corrupt") {
  ScratchDir tmp;
  write_file(tmp.path / "garbage.tar.zst", std::string(5000, '\x17'));
  auto r = unpack(tmp.path / "garbage.tar.zst", tmp.path / "dst");
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == Errc::corrupt);

  write_file(tmp.path / "src/big.bin", std::string(300000, 'q') + "end");
  REQUIRE(pack_folder(tmp.path / "src", tmp.path / "whole.tar.zst"));
  std::string whole = read_file(tmp.path / "whole.tar.zst");
  write_file(tmp.path / "cut.tar.zst", whole.substr(0, whole.size() / 2));
  auto cut = unpack(tmp.path / "cut.tar.zst", tmp.path / "dst2");
  REQUIRE_FALSE(cut.has_value());
  CHECK(cut.error().code == Errc::corrupt);
}

TEST_CASE("unpack reads tars written by Python's tarfile, unicode names included") {
  ScratchDir tmp;
  std::string script =
      "import tarfile, io, sys\n"
      "with tarfile.open(sys.argv[1], 'w', format=tarfile.PAX_FORMAT) as t:\n"
      "    for name, data in [('caf\\u00e9/\\u6570\\u636e.txt', b'zh'), ('a b/' + 'x' * 200 + '/y', b'long')]:\n"
      "        info = tarfile.TarInfo(name); info.size = len(data); info.mode = 0o755\n"
      "        t.addfile(info, io.BytesIO(data))\n";
  write_file(tmp.path / "make.py", script);
  std::string cmd = "python3 '" + (tmp.path / "make.py").string() + "' '" + (tmp.path / "py.tar").string() + "'";
  if (std::system(cmd.c_str()) != 0) {
    MESSAGE("python3 not available; skipped");
    return;
  }
  auto r = unpack(tmp.path / "py.tar", tmp.path / "dst");
  REQUIRE_MESSAGE(r.has_value(), why(r));
  CHECK(read_file(tmp.path / "dst/caf\xc3\xa9/\xe6\x95\xb0\xe6\x8d\xae.txt") == "zh");
  CHECK(read_file(tmp.path / "dst/a b" / std::string(200, 'x') / "y") == "long");
  CHECK((fs::status(tmp.path / "dst/a b" / std::string(200, 'x') / "y").permissions() & fs::perms::owner_exec) !=
        fs::perms::none);
}
