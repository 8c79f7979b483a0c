#include "fixture.hpp"

#include <lab/ledger/accounting.hpp>
#include <lab/ledger/tasks.hpp>

using namespace lab;
using namespace lab::ledger;
using S = TaskState;

namespace {

NewTask simple(std::int64_t user, std::string name = "train") {
  NewTask t;
  t.user_id = user;
  t.name = std::move(name);
  t.spec_json = R"({"run":{"command":"python train.py"}})";
  t.gpus = 2;
  t.cpus = 8;
  return t;
}

}  // namespace

TEST_CASE("tasks get short, typeable ids numbered per UTC day, and a first event") {
  testing::Fixture f;
  auto a = create_task(*f.db, simple(f.ada), f.clock.now_ms()).value();
  auto b = create_task(*f.db, simple(f.ada), f.clock.now_ms()).value();
  const std::string day = sys::format_utc_ms(f.clock.now_ms()).substr(2, 8);  // "26-11-19"
  const std::string yymmdd = day.substr(0, 2) + day.substr(3, 2) + day.substr(6, 2);
  CHECK(a.id == "t-" + yymmdd + "-0001");
  CHECK(b.id == "t-" + yymmdd + "-0002");
  CHECK(valid_task_id(a.id));
  f.clock.advance_ms(24 * 3'600'000);
  auto c = create_task(*f.db, simple(f.ada), f.clock.now_ms()).value();
  CHECK(c.id.substr(c.id.size() - 5) == "-0001");
  CHECK(c.id != a.id);
  CHECK(a.state == S::uploading);
  CHECK(a.gpus == 2);
  CHECK(a.created_at_ms == a.updated_at_ms);
  auto ev = task_events(*f.db, a.id).value();
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].seq == 1);
  CHECK(ev[0].state == S::uploading);
  CHECK(ev[0].reason == "submitted");
  for (const char* bad : {"t-1", "x-261119-0001", "t-26111-00001", "t-261119-00a1"}) CHECK_FALSE(valid_task_id(bad));
}

TEST_CASE("a task can be created under a given id, once, without using the day's counter") {
  testing::Fixture f;
  NewTask t = simple(f.ada);
  t.id = "t-261130-0042";
  auto a = create_task(*f.db, t, f.clock.now_ms()).value();
  CHECK(a.id == "t-261130-0042");
  auto again = create_task(*f.db, t, f.clock.now_ms());
  REQUIRE_FALSE(again);
  CHECK(again.error().code == Errc::already_exists);
  t.id = "42";
  CHECK(create_task(*f.db, t, f.clock.now_ms()).error().code == Errc::invalid_argument);
  auto next = create_task(*f.db, simple(f.ada), f.clock.now_ms()).value();
  CHECK(next.id.substr(next.id.size() - 5) == "-0001");
}

TEST_CASE("create_task refuses bad input and leaves nothing behind") {
  testing::Fixture f;
  auto t = simple(f.ada);
  t.spec_json = "{not json";
  CHECK(create_task(*f.db, t, 1).error().code == Errc::invalid_argument);
  t = simple(999);
  CHECK(create_task(*f.db, t, 1).error().code == Errc::not_found);
  t = simple(f.ada, "");
  CHECK(create_task(*f.db, t, 1).error().code == Errc::invalid_argument);
  t = simple(f.ada);
  t.initial = S::running;
  CHECK(create_task(*f.db, t, 1).error().code == Errc::invalid_argument);
  t = simple(f.ada);
  t.gpus = -1;
  CHECK(create_task(*f.db, t, 1).error().code == Errc::invalid_argument);
  CHECK(list_tasks(*f.db, {}).value().tasks.empty());
  // The counter did not advance for the refused tasks.
  CHECK(create_task(*f.db, simple(f.ada), 1).value().id.ends_with("-0001"));
  CHECK(get_task(*f.db, "t-000000-0000").error().code == Errc::not_found);
}

TEST_CASE("a task's life writes its history, timestamps, attempts and one accounting row") {
  testing::Fixture f;
  auto t = create_task(*f.db, simple(f.ada), f.clock.now_ms()).value();
  auto step = [&](S to, const char* why, TransitionDetails d = {}) {
    f.clock.advance_ms(1000);
    REQUIRE(transition(*f.db, t.id, to, why, f.clock.now_ms(), d).value());
  };
  step(S::pending, "uploaded");
  step(S::preparing, "building env");
  step(S::queued, "submitted to slurm", {.executor = "slurm", .executor_ref = "4242"});
  step(S::running, "started");
  const auto first_start = f.clock.now_ms();
  f.clock.advance_ms(9000);  // runs 10 s, then its node is lost
  step(S::queued, "node lost; requeued");
  CHECK(task_usage(*f.db, t.id).value() == std::nullopt);  // not finished: not accounted
  step(S::running, "started again");
  f.clock.advance_ms(4000);  // runs 5 s
  step(S::completed, "exit 0", {.exit_code = 0});

  auto done = get_task(*f.db, t.id).value();
  CHECK(done.state == S::completed);
  CHECK(done.state_reason == "exit 0");
  CHECK(done.exit_code == 0);
  CHECK(done.executor == "slurm");
  CHECK(done.executor_ref == "4242");
  CHECK(done.attempts == 2);
  CHECK(done.run_ms == 15000);
  CHECK(done.started_at_ms > first_start);
  CHECK(done.finished_at_ms == f.clock.now_ms());
  CHECK(done.updated_at_ms == f.clock.now_ms());

  auto ev = task_events(*f.db, t.id).value();
  const S expected[] = {S::uploading, S::pending, S::preparing, S::queued, S::running, S::queued, S::running, S::completed};
  REQUIRE(ev.size() == std::size(expected));
  for (std::size_t i = 0; i < ev.size(); ++i) {
    CHECK(ev[i].seq == static_cast<std::int64_t>(i) + 1);
    CHECK(ev[i].state == expected[i]);
  }
  auto usage = task_usage(*f.db, t.id).value();
  REQUIRE(usage);
  CHECK(usage->wall_seconds == doctest::Approx(15.0));
  CHECK(usage->gpu_seconds == doctest::Approx(30.0));
  CHECK(usage->cpu_seconds == doctest::Approx(120.0));
}

TEST_CASE("an illegal or repeated transition writes nothing") {
  testing::Fixture f;
  auto t = create_task(*f.db, simple(f.ada), 1).value();
  CHECK(transition(*f.db, t.id, S::cancelled, "user asked", 2).value());
  auto again = transition(*f.db, t.id, S::running, "late message", 3);
  REQUIRE_FALSE(again);
  CHECK(again.error().code == Errc::conflict);
  CHECK(again.error().message.find("cancelled is final") != std::string::npos);
  CHECK_FALSE(transition(*f.db, t.id, S::cancelled, "cancel twice", 4).value());  // already there
  CHECK(task_events(*f.db, t.id).value().size() == 2);
  CHECK(get_task(*f.db, t.id).value().state_reason == "user asked");
  CHECK(transition(*f.db, "t-000000-0000", S::running, "x", 5).error().code == Errc::not_found);
  // Measured usage replaces the estimate; usage never goes negative.
  auto u = create_task(*f.db, simple(f.ada), 1).value();
  CHECK(transition(*f.db, u.id, S::failed, "x", 6, {.usage = Usage{-1, 0, 0}}).error().code == Errc::invalid_argument);
  CHECK(get_task(*f.db, u.id).value().state == S::uploading);
  REQUIRE(transition(*f.db, u.id, S::failed, "x", 6, {.usage = Usage{3, 4, 5}}));
  CHECK(task_usage(*f.db, u.id).value()->gpu_seconds == doctest::Approx(4));
}

TEST_CASE("a state change and another write share one transaction") {
  testing::Fixture f;
  auto t = create_task(*f.db, simple(f.ada), 1).value();
  // The second write fails, so the state change must not survive either.
  auto r = f.db->transaction([&](Db& tx) -> Result<void> {
    if (auto m = transition(tx, t.id, S::pending, "uploaded", 2); !m) return std::unexpected(m.error());
    return tx.exec("INSERT INTO no_such_table VALUES(1)");
  });
  REQUIRE_FALSE(r);
  CHECK(get_task(*f.db, t.id).value().state == S::uploading);
  CHECK(task_events(*f.db, t.id).value().size() == 1);
}

TEST_CASE("list_tasks pages newest first, filters by user and state, and lists active tasks") {
  testing::Fixture f;
  auto bob = create_user(*f.db, "bob", "$scrypt$p", false, 1).value().id;
  std::vector<std::string> ada_ids;
  for (int i = 0; i < 7; ++i) {
    ada_ids.push_back(create_task(*f.db, simple(f.ada, "a" + std::to_string(i)), 10 + i).value().id);
    REQUIRE(create_task(*f.db, simple(bob), 10 + i));
  }
  REQUIRE(transition(*f.db, ada_ids[1], S::cancelled, "x", 50));
  REQUIRE(transition(*f.db, ada_ids[4], S::pending, "x", 50));

  std::vector<std::string> seen;
  TaskQuery q{.user_id = f.ada, .limit = 3};
  int pages = 0;
  while (true) {
    auto page = list_tasks(*f.db, q).value();
    ++pages;
    for (auto& t : page.tasks) seen.push_back(t.id);
    if (!page.next_before) break;
    q.before_seq = page.next_before;
    // A task created between pages does not show up on later pages.
    if (pages == 1) REQUIRE(create_task(*f.db, simple(f.ada), 99));
  }
  CHECK(pages == 3);
  CHECK(seen == std::vector<std::string>(ada_ids.rbegin(), ada_ids.rend()));

  auto cancelled = list_tasks(*f.db, {.user_id = f.ada, .states = {S::cancelled, S::pending}}).value();
  REQUIRE(cancelled.tasks.size() == 2);
  CHECK(cancelled.tasks[0].id == ada_ids[4]);
  CHECK(cancelled.tasks[1].id == ada_ids[1]);
  CHECK_FALSE(cancelled.next_before);
  CHECK(list_tasks(*f.db, {}).value().tasks.size() == 15);
  CHECK(list_tasks(*f.db, {.limit = 0}).error().code == Errc::invalid_argument);

  auto active = list_active_tasks(*f.db).value();
  CHECK(active.size() == 14);
  CHECK(active.front().id == ada_ids[0]);  // oldest first
  for (auto& t : active) CHECK_FALSE(is_terminal(t.state));
}

TEST_CASE("per-user accounting totals add up finished tasks only") {
  testing::Fixture f;
  auto bob = create_user(*f.db, "bob", "$scrypt$p", false, 1).value().id;
  auto finish = [&](std::int64_t user, Usage u, std::int64_t at) {
    auto t = create_task(*f.db, simple(user), at).value();
    REQUIRE(transition(*f.db, t.id, S::failed, "x", at, {.usage = u}));
  };
  finish(f.ada, {10, 20, 30}, 100);
  finish(f.ada, {1, 2, 3}, 200);
  finish(bob, {5, 50, 5}, 200);
  REQUIRE(create_task(*f.db, simple(f.ada), 300));  // not finished: not counted
  auto ada = user_usage(*f.db, f.ada).value();
  CHECK(ada.tasks == 2);
  CHECK(ada.wall_seconds == doctest::Approx(11));
  CHECK(ada.gpu_seconds == doctest::Approx(22));
  CHECK(ada.cpu_seconds == doctest::Approx(33));
  CHECK(user_usage(*f.db, f.ada, 150).value().tasks == 1);
  auto carol = create_user(*f.db, "carol", "$scrypt$p", false, 1).value().id;
  CHECK(user_usage(*f.db, carol).value().tasks == 0);
  CHECK(user_usage(*f.db, 999).error().code == Errc::not_found);
  auto all = usage_by_user(*f.db).value();
  REQUIRE(all.size() == 2);
  CHECK(all[0].user_name == "bob");  // most GPU time first
  CHECK(all[1].user_name == "ada");
}
