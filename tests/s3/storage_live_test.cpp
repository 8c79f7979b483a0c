// The storage contract (tests/unit/storage/storage_contract.hpp, the same checks the local
// backend passes) run against the `s3` backend on a real S3 server, plus what only S3 has:
// multipart for long streams of unknown size, aborted when the stream fails. Run by
// tests/s3/run-live.sh (S3_ENDPOINT, AWS_* credentials, the aws CLI on PATH).
#include <doctest/doctest.h>

#include <lab/storage/storage.hpp>

#include <atomic>
#include <cstdlib>
#include <random>

#include "s3/live_env.hpp"
#include "unit/storage/storage_contract.hpp"

using namespace lab;
using namespace lab::storage;
using namespace lab::storage::contract;

using lab::testing::live_env;

namespace {

int aws(const std::string& args) {
  std::string cmd = "aws --endpoint-url '" + live_env("S3_ENDPOINT") + "' " + args + " >/dev/null 2>&1";
  return std::system(cmd.c_str());
}

StorageOptions s3_options(const std::string& bucket, std::string prefix) {
  StorageOptions o;
  o.type = "s3";
  o.s3.endpoint = live_env("S3_ENDPOINT");
  o.s3.bucket = bucket;
  o.s3.prefix = std::move(prefix);
  o.s3.apply_env_fallback();
  o.s3_tuning.part_size = 5 << 20;
  o.s3_tuning.multipart_threshold = 6 << 20;
  o.s3_tuning.backoff_base_ms = 10;
  o.s3_tuning.max_attempts = 2;
  return o;
}

// Each store is a fresh bucket (with a key prefix, so prefixes are exercised too); breaking
// it deletes the bucket under the open store, which must read as a failure, not as "not found".
struct S3Harness {
  fs::path dir;
  std::string bucket;
  StorageHarness h;
  S3Harness() {
    static std::atomic<int> n{0};
    auto tag = std::to_string(::getpid()) + "-" + std::to_string(n++);
    dir = fs::temp_directory_path() / ("lab-s3-storage-" + tag);
    fs::create_directories(dir);
    h.scratch = dir;
    h.open = [this, tag] {
      if (!bucket.empty()) aws("s3 rb --force s3://" + bucket);
      bucket = "lab-contract-" + tag + "-" + std::to_string(std::random_device{}() % 100000);
      REQUIRE(aws("s3api create-bucket --bucket " + bucket) == 0);
      auto s = make_storage(s3_options(bucket, "pre fix/"));
      REQUIRE_MESSAGE(s.has_value(), why(s));
      return std::move(*s);
    };
    h.break_store = [this] { REQUIRE(aws("s3 rb --force s3://" + bucket) == 0); };
  }
  ~S3Harness() {
    if (!bucket.empty()) aws("s3 rb --force s3://" + bucket);
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

}  // namespace

TEST_CASE("s3 storage: every operation") { S3Harness s; check_every_operation(s.h); }
TEST_CASE("s3 storage: not found is distinct from failure") { S3Harness s; check_not_found_is_not_failure(s.h); }
TEST_CASE("s3 storage: byte ranges") { S3Harness s; check_ranges(s.h); }
TEST_CASE("s3 storage: listing pages") { S3Harness s; check_paging(s.h); }
TEST_CASE("s3 storage: odd keys work, invalid keys are refused") { S3Harness s; check_odd_and_invalid_keys(s.h); }
TEST_CASE("s3 storage: a failed put leaves nothing") { S3Harness s; check_failed_put_leaves_nothing(s.h); }
TEST_CASE("s3 storage: readers see whole objects during writes") { S3Harness s; check_concurrent_readers_see_whole_objects(s.h); }

TEST_CASE("s3 storage: a long stream of unknown size goes multipart; a failing one leaves no upload") {
  S3Harness s;
  auto st = s.h.open();
  std::string data(13 << 20, '\0');
  std::mt19937 rng(5);
  for (auto& c : data) c = static_cast<char>(rng());
  REQUIRE(st->put_stream("big/unknown-size", read_string(data, 100000)));  // 3 parts of 5 MiB
  CHECK(st->size("big/unknown-size") == data.size());
  CHECK(get_string(*st, "big/unknown-size") == data);
  CHECK(get_string(*st, "big/unknown-size", ByteRange{(5 << 20) - 3, 6}) == data.substr((5 << 20) - 3, 6));

  std::size_t sent = 0;
  ReadFn dies = [&](std::span<std::byte> buf) -> Result<std::size_t> {
    if (sent > (11 << 20)) return fail(Errc::unavailable, "the student's upload broke off");
    std::size_t n = std::min<std::size_t>(buf.size(), 65536);
    std::memset(buf.data(), 'd', n);
    sent += n;
    return n;
  };
  auto r = st->put_stream("big/broken", dies);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == Errc::unavailable);
  CHECK(st->exists("big/broken") == false);
  auto too_long = st->put_stream("big/too-long", read_string(data, 100000), data.size() - 1);
  REQUIRE_FALSE(too_long.has_value());
  CHECK(too_long.error().code == Errc::invalid_argument);
  CHECK(st->exists("big/too-long") == false);
  std::string out = (s.dir / "uploads.txt").string();
  std::string cmd = "aws --endpoint-url '" + live_env("S3_ENDPOINT") + "' s3api list-multipart-uploads --bucket " +
                    s.bucket + " --query 'Uploads[].Key' --output text > '" + out + "'";
  REQUIRE(std::system(cmd.c_str()) == 0);
  std::stringstream ss;
  ss << std::ifstream(out).rdbuf();
  std::string left = ss.str();
  while (!left.empty() && std::isspace(static_cast<unsigned char>(left.back()))) left.pop_back();
  CHECK_MESSAGE((left.empty() || left == "None"), "multipart uploads left behind: " << left);
}

TEST_CASE("s3 storage: opening with a wrong secret or a missing bucket fails at once, in plain words") {
  auto o = s3_options(live_env("LAB_S3_BUCKET"), "");
  o.s3.secret_key = "definitely-not-the-secret";
  auto wrong = make_storage(o);
  REQUIRE_FALSE(wrong.has_value());
  CHECK(wrong.error().code == Errc::unauthenticated);
  CHECK(wrong.error().message.find("refused the access key") != std::string::npos);
  CHECK(wrong.error().message.find("definitely-not-the-secret") == std::string::npos);
  auto missing = make_storage(s3_options("no-such-bucket-here", ""));
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().message.find("bucket 'no-such-bucket-here' does not exist") != std::string::npos);
}
