// Helpers for the lab::files tests: a temporary folder that removes itself, file writers,
// and running git in a folder.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <sys/stat.h>

namespace lab::files::test {

namespace fs = std::filesystem;

// A fresh folder under the system temp dir, removed (with its contents) on destruction.
struct TempDir {
  fs::path path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "lab-files-XXXXXX").string();
    path = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

inline void write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

// Stdout of `sh -c "cd DIR && CMD"`, or "<failed>" if the command fails.
inline std::string run_in(const fs::path& dir, const std::string& cmd) {
  const std::string full = "cd '" + dir.string() + "' && " + cmd;
  FILE* p = ::popen(full.c_str(), "r");
  if (!p) return "<failed>";
  std::string out;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  return ::pclose(p) == 0 ? out : "<failed>";
}

// Sets an environment variable for one scope, restoring the old value after.
struct ScopedEnv {
  std::string name;
  std::string old;
  bool had;
  ScopedEnv(std::string n, const char* value) : name(std::move(n)) {
    const char* o = std::getenv(name.c_str());
    had = o != nullptr;
    if (had) old = o;
    if (value) ::setenv(name.c_str(), value, 1);
    else ::unsetenv(name.c_str());
  }
  ~ScopedEnv() {
    if (had) ::setenv(name.c_str(), old.c_str(), 1);
    else ::unsetenv(name.c_str());
  }
};

}  // namespace lab::files::test
