// How the C library's allocator is set up for lab's processes.
#pragma once

#include <optional>

namespace lab::sys {

// Caps the allocator's arenas at max(2, `cores`) unless the user chose a setting
// (MALLOC_ARENA_MAX or GLIBC_TUNABLES in the environment). glibc's default, 8 per core, lets
// a server with hundreds of threads (the proxy's long-polls, the remote's transfer threads)
// hold twice the memory for no speed it can measure (docs/benchmarks.md). Returns the cap
// applied, or nullopt when the user's setting was left alone. Call once, before threads start.
std::optional<int> cap_malloc_arenas(unsigned cores);

}  // namespace lab::sys
