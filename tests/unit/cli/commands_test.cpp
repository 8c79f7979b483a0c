#include <doctest/doctest.h>
#include <lab/cli/command.hpp>

#include <set>

using namespace lab::cli;

TEST_CASE("the command table has every verb the brief names, once") {
  std::set<std::string_view> seen;
  for (const auto& c : commands()) {
    CHECK_MESSAGE(seen.insert(c.name).second, "duplicate verb ", c.name);
    CHECK_FALSE(c.summary.empty());
  }
  for (auto v : {"submit", "run", "status", "list", "logs", "cancel", "pull", "login", "register",
                 "whoami", "logout", "proxy", "remote", "worker", "demo", "files", "config", "help",
                 "version"})
    CHECK_MESSAGE(find_command(v) != nullptr, "missing verb ", v);
  CHECK(find_command("nope") == nullptr);
}
