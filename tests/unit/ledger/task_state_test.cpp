#include <doctest/doctest.h>
#include <lab/ledger/task_state.hpp>

#include <set>
#include <utility>

using namespace lab;
using namespace lab::ledger;
using S = TaskState;

namespace {

// The state machine of docs/ledger.md, written out independently of the implementation.
const std::set<std::pair<S, S>> kLegal = {
    {S::uploading, S::pending},  {S::uploading, S::failed},   {S::uploading, S::cancelled},
    {S::pending, S::preparing},  {S::pending, S::queued},     {S::pending, S::failed},
    {S::pending, S::cancelled},  {S::preparing, S::queued},   {S::preparing, S::pending},
    {S::preparing, S::failed},   {S::preparing, S::cancelled}, {S::queued, S::running},
    {S::queued, S::pending},     {S::queued, S::failed},      {S::queued, S::cancelled},
    {S::running, S::completed},  {S::running, S::queued},     {S::running, S::pending},
    {S::running, S::failed},     {S::running, S::cancelled},
};

}  // namespace

TEST_CASE("task states round-trip through their stored names") {
  for (S s : kAllTaskStates) CHECK(parse_task_state(to_string(s)) == s);
  CHECK_FALSE(parse_task_state("Running"));
  CHECK_FALSE(parse_task_state("done"));
}

TEST_CASE("the state machine allows exactly the documented moves") {
  for (S from : kAllTaskStates)
    for (S to : kAllTaskStates) {
      CAPTURE(to_string(from));
      CAPTURE(to_string(to));
      CHECK(can_transition(from, to) == kLegal.contains({from, to}));
      CHECK(check_transition("t-1", from, to).has_value() == kLegal.contains({from, to}));
    }
}

TEST_CASE("terminal states are final and cancelled is reachable from every other state") {
  for (S s : kAllTaskStates) {
    if (is_terminal(s)) {
      for (S to : kAllTaskStates) CHECK_FALSE(can_transition(s, to));
    } else {
      CHECK(can_transition(s, S::cancelled));
      CHECK(can_transition(s, S::failed));
    }
  }
  CHECK(is_terminal(S::completed));
  CHECK(is_terminal(S::failed));
  CHECK(is_terminal(S::cancelled));
}

TEST_CASE("an illegal move is a conflict that names the task, both states and why") {
  struct Case {
    S from, to;
    const char* why;
  };
  const Case cases[] = {
      {S::completed, S::running, "final"},  {S::cancelled, S::pending, "final"}, {S::failed, S::completed, "final"},
      {S::uploading, S::running, "not a step"}, {S::pending, S::completed, "not a step"},
      {S::queued, S::completed, "not a step"},  {S::running, S::running, "already"},
      {S::running, S::uploading, "not a step"}, {S::queued, S::preparing, "not a step"},
  };
  for (const auto& c : cases) {
    auto r = check_transition("t-261119-0007", c.from, c.to);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::conflict);
    const std::string& m = r.error().message;
    CHECK(m.find("t-261119-0007") != std::string::npos);
    CHECK(m.find(std::string(to_string(c.from))) != std::string::npos);
    CHECK(m.find(std::string(to_string(c.to))) != std::string::npos);
    CHECK(m.find(c.why) != std::string::npos);
  }
}
