#include <doctest/doctest.h>

#include <lab/storage/key.hpp>
#include <lab/storage/layout.hpp>

using namespace lab;
using namespace lab::storage;
using namespace lab::storage::layout;

namespace {
const std::string kHash = "0123456789abcdef0123456789abcdef";
}

TEST_CASE("layout builds the documented keys") {
  CHECK(blob_key(kHash) == "projects/blobs/01/" + kHash);
  CHECK(manifest_key(kHash) == "projects/manifests/" + kHash + ".json");
  CHECK(env_key(kHash) == "envs/" + kHash + ".tar.zst");
  CHECK(dataset_prefix(kHash) == "datasets/" + kHash + "/");
  CHECK(wheel_key(kHash, "torch-2.1-cp311-linux_x86_64.whl") ==
        "whls/" + kHash + "/torch-2.1-cp311-linux_x86_64.whl");
  CHECK(results_prefix("t-42") == "results/t-42/");
  CHECK(result_file_key("t-42", "ckpt/model final.pt") == "results/t-42/files/ckpt/model final.pt");
  CHECK(result_log_key("t-42", "stdout.log") == "results/t-42/logs/stdout.log");
  CHECK(result_metadata_key("t-42") == "results/t-42/metadata.json");
  CHECK(message_key(Direction::to_remote, "m1") == "messages/to_remote/m1.json");
  CHECK(message_key(Direction::to_local, "m1") == "messages/to_local/m1.json");
  CHECK(processed_message_key("2024-05-01", "m1") == "messages/processed/2024-05-01/m1.json");
  for (auto k : {*blob_key(kHash), *manifest_key(kHash), *result_file_key("t", "a/b")}) CHECK(validate_key(k));
}

TEST_CASE("layout refuses inputs that would break out of their folder") {
  CHECK_FALSE(blob_key("../../etc"));
  CHECK_FALSE(blob_key(std::string(32, 'A')));  // upper-case is not the canonical form
  CHECK_FALSE(manifest_key(kHash + "0"));
  CHECK_FALSE(results_prefix("../x"));
  CHECK_FALSE(results_prefix(".."));
  CHECK_FALSE(results_prefix("a/b"));
  CHECK_FALSE(result_file_key("t", "../../secrets"));
  CHECK_FALSE(result_file_key("t", "/abs"));
  CHECK_FALSE(result_log_key("t", "sub/x.log"));
  CHECK_FALSE(wheel_key(kHash, "../x.whl"));
  CHECK_FALSE(wheel_key(kHash, "x.tar.gz"));
  CHECK_FALSE(message_key(Direction::to_local, "a b"));
  CHECK_FALSE(processed_message_key("2024-5-1", "m"));
  auto r = results_prefix("../x");
  CHECK(r.error().code == Errc::invalid_argument);
}
