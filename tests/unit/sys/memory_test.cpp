// The allocator's arena cap: applied by default, never over the user's own setting.
#include <doctest/doctest.h>
#include <lab/sys/memory.hpp>

#include <cstdlib>
#include <optional>
#include <string>

using lab::sys::cap_malloc_arenas;

namespace {

// Sets or unsets an environment variable for one scope.
class EnvVar {
 public:
  EnvVar(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) ::setenv(name, value, 1);
    else ::unsetenv(name);
  }
  ~EnvVar() {
    if (old_) ::setenv(name_, old_->c_str(), 1);
    else ::unsetenv(name_);
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

}  // namespace

TEST_CASE("the allocator's arenas are capped at the core count, at least 2, unless the user set them") {
  EnvVar arena("MALLOC_ARENA_MAX", nullptr), tunables("GLIBC_TUNABLES", nullptr);
  CHECK(cap_malloc_arenas(1) == 2);
  CHECK(cap_malloc_arenas(8) == 8);
  {
    EnvVar own("MALLOC_ARENA_MAX", "16");
    CHECK(cap_malloc_arenas(2) == std::nullopt);
  }
  {
    EnvVar own("GLIBC_TUNABLES", "glibc.malloc.arena_max=3");
    CHECK(cap_malloc_arenas(2) == std::nullopt);
  }
}
