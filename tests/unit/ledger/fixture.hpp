// Shared by the ledger tests: a fresh ledger file in a per-process temp folder.
#pragma once

#include <lab/ledger/schema.hpp>
#include <lab/ledger/users.hpp>
#include <lab/sys/clock.hpp>

#include <doctest/doctest.h>
#include <filesystem>
#include <string>
#include <unistd.h>

namespace lab::ledger::testing {

// A path for `name` with no database, WAL or shared-memory file left from an earlier run.
inline std::filesystem::path fresh_path(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / ("lab-ledger-test-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  auto p = dir / name;
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(p.string() + suffix);
  return p;
}

// An opened, migrated ledger with a FakeClock and one ordinary user "ada".
struct Fixture {
  explicit Fixture(const std::string& name = "ledger.db") : path(fresh_path(name)) {
    db = open_ledger(path).value();
    ada = create_user(*db, "ada", "$scrypt$ln=15,r=8,p=1$c2FsdA$aGFzaA", false, clock.now_ms()).value().id;
  }
  std::filesystem::path path;
  sys::FakeClock clock{1'795'000'000'000};  // 2026-11-19
  std::unique_ptr<Db> db;
  std::int64_t ada = 0;
};

}  // namespace lab::ledger::testing
