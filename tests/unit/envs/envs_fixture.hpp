// Shared by the envs tests: a temp folder with a wheelhouse of tiny wheels built on the spot
// (tests/unit/envs/fixtures/make_wheel.py), so no package index is needed.
#pragma once

#include <doctest/doctest.h>
#include <lab/envs/builder.hpp>
#include <lab/envs/activate.hpp>
#include <lab/sys/process.hpp>
#include <lab/util/strings.hpp>

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <string>

namespace envs_test {

namespace fs = std::filesystem;

inline void write(const fs::path& p, std::string_view text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

// Runs a shell command; its exit code and output.
inline std::pair<int, std::string> shell(const std::string& cmd,
                                         const std::map<std::string, std::string>& env = {}) {
  std::string out;
  std::mutex mu;
  auto p = lab::sys::Process::spawn(lab::sys::ProcessSpec{{"/bin/sh", "-c", cmd}, {}, env, false, {}, {}, {}},
                                    [&](lab::sys::Stream, std::string_view line, std::int64_t) {
                                      std::lock_guard lock(mu);
                                      out += std::string(line) + "\n";
                                    });
  REQUIRE(p);
  auto st = (*p)->wait(std::chrono::seconds(120));
  REQUIRE(st);
  return {st->shell_code(), out};
}

// Collects a build's log lines; safe to call from the building thread.
struct Log {
  std::mutex mu;
  std::string text;
  lab::envs::BuildLog sink() {
    return [this](std::string_view line) {
      std::lock_guard lock(mu);
      text += std::string(line) + "\n";
    };
  }
  bool has(std::string_view s) {
    std::lock_guard lock(mu);
    return text.find(s) != std::string::npos;
  }
};

struct Fixture {
  fs::path root;
  fs::path wheelhouse;
  Fixture() {
    root = fs::temp_directory_path() / ("lab-envs-" + std::to_string(::getpid()) + "-" + std::to_string(std::rand()));
    wheelhouse = root / "wheelhouse";
    fs::create_directories(wheelhouse);
  }
  ~Fixture() { fs::remove_all(root); }

  // Writes NAME-VERSION wheel into `dir` (the wheelhouse by default); returns its path.
  fs::path wheel(const std::string& name, const std::string& version, const std::string& requires_dist = "",
                 fs::path dir = {}) {
    if (dir.empty()) dir = wheelhouse;
    auto [rc, out] = shell("python3 '" LAB_SOURCE_DIR "/tests/unit/envs/fixtures/make_wheel.py' '" + dir.string() +
                           "' " + name + " " + version + (requires_dist.empty() ? "" : " '" + requires_dist + "'"));
    REQUIRE_MESSAGE(rc == 0, out);
    return fs::path(std::string(lab::util::trim(out)));
  }

  lab::envs::BuilderOptions options(const std::string& envs = "envs") {
    lab::envs::BuilderOptions o;
    o.envs_dir = root / envs;
    o.wheelhouse = wheelhouse;
    o.uv = "";  // the pip path is what these machines can run
    return o;
  }

  // A project folder with `requirements` as its requirements.txt.
  fs::path project(const std::string& name, const std::string& requirements) {
    fs::path p = root / name;
    write(p / "requirements.txt", requirements);
    return p;
  }
};

// `python -c CODE` run the way a worker runs a task in the environment at `root`; its output.
inline std::string run_in(const fs::path& root, const std::string& code) {
  const char* path = std::getenv("PATH");
  auto [rc, out] = shell("python -c \"" + code + "\"", lab::envs::activation_env(root, path ? path : ""));
  CHECK_MESSAGE(rc == 0, out);
  return std::string(lab::util::trim(out));
}

}  // namespace envs_test
