// What tests/s3/run-live.sh hands the live S3 tests through the environment.
#pragma once

#include <doctest/doctest.h>

#include <cstdlib>
#include <string>

namespace lab::testing {

// The variable's value; fails the test, saying how to run it, when it is not set.
inline std::string live_env(const char* name) {
  const char* v = std::getenv(name);
  INFO("run through tests/s3/run-live.sh, which starts the S3 server and sets " << std::string(name));
  REQUIRE(v != nullptr);
  return v;
}

}  // namespace lab::testing
