#include <doctest/doctest.h>
#include <lab/config/redact.hpp>

using namespace lab::config;

TEST_CASE("redact_url hides passwords and credential query parameters") {
  CHECK(redact_url("https://bob:hunter2@host:9000/path") == "https://bob:********@host:9000/path");
  CHECK(redact_url("https://tokenonly@host/") == "https://********@host/");
  CHECK(redact_url("https://h/x?a=1&token=abc&X-Amz-Signature=deadbeef#frag") ==
        "https://h/x?a=1&token=********&X-Amz-Signature=********#frag");
  CHECK(redact_url("https://h/x?page=2") == "https://h/x?page=2");
  CHECK(redact_url("http://host:8800") == "http://host:8800");
  CHECK(redact_url("not a url") == "not a url");
  // An '@' in the path is not userinfo.
  CHECK(redact_url("https://h/a@b") == "https://h/a@b");
}

TEST_CASE("is_secret_key knows credential names and leaves others") {
  for (const char* k : {"token", "TOKEN", "password", "secret_key", "access_key", "invite_code", "session_token",
                        "WANDB_API_KEY", "X-Amz-Credential", "HF_TOKEN"})
    CHECK_MESSAGE(is_secret_key(k), k);
  for (const char* k : {"name", "host", "bucket", "region", "page", "CUDA_VISIBLE_DEVICES"}) CHECK_MESSAGE(!is_secret_key(k), k);
}
