#include <lab/sys/memory.hpp>

#include <malloc.h>

#include <algorithm>
#include <cstdlib>

namespace lab::sys {

std::optional<int> cap_malloc_arenas(unsigned cores) {
  if (std::getenv("MALLOC_ARENA_MAX") || std::getenv("GLIBC_TUNABLES")) return std::nullopt;
  const int cap = static_cast<int>(std::max(2u, cores));
  if (::mallopt(M_ARENA_MAX, cap) != 1) return std::nullopt;
  return cap;
}

}  // namespace lab::sys
