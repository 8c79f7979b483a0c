#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>

#include <lab/storage/local.hpp>
#include <random>

#include "unit/storage/storage_contract.hpp"

using namespace lab;
using namespace lab::storage;
using namespace lab::storage::contract;

namespace {

StorageOptions options(std::string type, fs::path root = {}) {
  StorageOptions o;
  o.type = std::move(type);
  o.root = std::move(root);
  return o;
}

// A scratch folder holding the store's root and files for get_file/put_file.
struct LocalHarness {
  fs::path dir;
  fs::path root;
  StorageHarness h;
  LocalHarness() {
    dir = fs::temp_directory_path() / ("lab-storage-test-" + std::to_string(::getpid()) + "-" +
                                       std::to_string(std::random_device{}()));
    root = dir / "store";
    fs::create_directories(dir / "files");
    h.scratch = dir / "files";
    h.open = [this] {
      std::error_code ec;
      fs::remove_all(root, ec);
      auto s = make_storage(options("local", root));
      REQUIRE(s.has_value());
      return std::move(*s);
    };
    // Replacing the root folder by a file: nothing under it can be found or read any more,
    // which must read as a failure, not as "not found".
    h.break_store = [this] {
      fs::remove_all(root);
      std::ofstream(root) << "not a folder";
    };
  }
  ~LocalHarness() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

}  // namespace

TEST_CASE("local storage: every operation") { LocalHarness l; check_every_operation(l.h); }
TEST_CASE("local storage: not found is distinct from failure") { LocalHarness l; check_not_found_is_not_failure(l.h); }
TEST_CASE("local storage: byte ranges") { LocalHarness l; check_ranges(l.h); }
TEST_CASE("local storage: listing pages") { LocalHarness l; check_paging(l.h); }
TEST_CASE("local storage: odd keys work, invalid keys are refused") { LocalHarness l; check_odd_and_invalid_keys(l.h); }
TEST_CASE("local storage: a failed put leaves nothing") { LocalHarness l; check_failed_put_leaves_nothing(l.h); }
TEST_CASE("local storage: readers see whole objects during writes") {
  LocalHarness l;
  check_concurrent_readers_see_whole_objects(l.h);
}

TEST_CASE("local storage: objects are plain files under the root and temp files never show") {
  LocalHarness l;
  auto s = l.h.open();
  REQUIRE(s->put_stream("projects/blobs/ab/cd", read_string("blob")));
  std::ifstream in(l.root / "projects/blobs/ab/cd");
  std::string got;
  std::getline(in, got);
  CHECK(got == "blob");
  std::ofstream(l.root / "projects/blobs/ab/.lab-tmp-123-4-5") << "half";  // as a crashed writer leaves
  auto listed = s->list("projects/");
  REQUIRE(listed.has_value());
  REQUIRE(listed->objects.size() == 1);
  CHECK(listed->objects[0].key == "projects/blobs/ab/cd");
  REQUIRE(s->remove("projects/blobs/ab/cd"));
  CHECK(fs::exists(l.root / "projects/blobs/ab"));  // the temp file keeps its folder
  fs::remove(l.root / "projects/blobs/ab/.lab-tmp-123-4-5");
  REQUIRE(s->put_stream("x/y/z", read_string("z")));
  REQUIRE(s->remove("x/y/z"));
  CHECK_FALSE(fs::exists(l.root / "x"));  // emptied folders are pruned
}

TEST_CASE("local storage: a writer killed mid-put leaves no visible object") {
  LocalHarness l;
  auto s = l.h.open();
  REQUIRE(s->put_stream("victim", read_string("old")));
  int ready[2];
  REQUIRE(::pipe(ready) == 0);
  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::close(ready[0]);
    int sent = 0;
    ReadFn endless = [&](std::span<std::byte> buf) -> Result<std::size_t> {
      if (++sent == 3) (void)!::write(ready[1], "!", 1);  // some bytes are in the temp file now
      if (sent > 3) ::pause();
      std::memset(buf.data(), 'n', buf.size());
      return buf.size();
    };
    (void)s->put_stream("victim", endless);
    (void)s->put_stream("newborn", endless);
    ::_exit(0);
  }
  ::close(ready[1]);
  char c = 0;
  REQUIRE(::read(ready[0], &c, 1) == 1);
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  ::close(ready[0]);
  CHECK(get_string(*s, "victim") == "old");
  auto listed = s->list("");
  REQUIRE(listed.has_value());
  REQUIRE(listed->objects.size() == 1);
  CHECK(listed->objects[0].key == "victim");
}

TEST_CASE("local storage: a key cannot be both an object and a folder") {
  LocalHarness l;
  auto s = l.h.open();
  REQUIRE(s->put_stream("a/b", read_string("x")));
  auto under_object = s->put_stream("a/b/c", read_string("y"));
  REQUIRE_FALSE(under_object.has_value());
  CHECK(under_object.error().code == Errc::conflict);
  auto over_folder = s->put_stream("a", read_string("z"));
  REQUIRE_FALSE(over_folder.has_value());
  CHECK(over_folder.error().code == Errc::conflict);
  CHECK(s->remove("a"));  // not an object: nothing to remove
  CHECK(get_string(*s, "a/b") == "x");
}

TEST_CASE("make_storage picks the backend by type") {
  auto s3 = make_storage(options("s3"));  // chosen, and refused for its missing endpoint
  REQUIRE_FALSE(s3.has_value());
  CHECK(s3.error().code == Errc::invalid_argument);
  CHECK(s3.error().message.find("storage endpoint") != std::string::npos);
  auto typo = make_storage(options("locl"));
  REQUIRE_FALSE(typo.has_value());
  CHECK(typo.error().code == Errc::invalid_argument);
  CHECK(typo.error().message.find("did you mean 'local'") != std::string::npos);
  auto no_root = make_storage(options("local"));
  REQUIRE_FALSE(no_root.has_value());
  CHECK(no_root.error().code == Errc::invalid_argument);
  CHECK(storage_types() == std::vector<std::string>{"local", "s3"});
}
