// Shared by the process and guard tests.
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <fstream>
#include <iterator>
#include <string>

namespace lab::sys::testing {

// Running, and not a zombie waiting for a reaper (PID 1 here may never reap it).
inline bool alive(pid_t pid) {
  if (::kill(pid, 0) != 0) return false;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string all((std::istreambuf_iterator<char>(stat)), {});
  auto close = all.rfind(')');
  return close != std::string::npos && close + 2 < all.size() && all[close + 2] != 'Z';
}

}  // namespace lab::sys::testing
