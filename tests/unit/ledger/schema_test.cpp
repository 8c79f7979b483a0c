#include "fixture.hpp"

#include <lab/ledger/accounting.hpp>
#include <lab/ledger/blobs.hpp>
#include <lab/ledger/tasks.hpp>

#include <atomic>
#include <thread>

using namespace lab;
using namespace lab::ledger;
using lab::ledger::testing::fresh_path;

namespace {

// Whether the file has a table named `name`.
bool has_table(Db& db, const char* name) {
  auto st = db.prepare("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?1").value();
  st.bind(1, name);
  REQUIRE(st.step().value());
  return st.column_int64(0) == 1;
}

}  // namespace

TEST_CASE("an empty file is brought to the latest ledger schema in WAL mode") {
  auto path = fresh_path("empty.db");
  auto db = open_ledger(path).value();
  CHECK(schema_version(*db, "ledger").value() == static_cast<int>(ledger_migrations().size()));
  for (const char* t : {"users", "sessions", "tasks", "task_events", "task_counters", "blobs", "accounting"})
    CHECK_MESSAGE(has_table(*db, t), t);
  auto mode = db->prepare("PRAGMA journal_mode").value();
  REQUIRE(mode.step().value());
  CHECK(mode.column_text(0) == "wal");
  db.reset();
  // Opening again changes nothing and keeps working.
  auto again = open_ledger(path).value();
  CHECK(schema_version(*again, "ledger").value() == static_cast<int>(ledger_migrations().size()));
}

TEST_CASE("every older ledger version upgrades with its data kept") {
  const auto all = ledger_migrations();
  for (std::size_t from = 1; from < all.size(); ++from) {
    CAPTURE(from);
    auto path = fresh_path("v" + std::to_string(from) + ".db");
    {
      auto db = Db::open(path).value();
      REQUIRE(migrate(*db, "ledger", all.first(from)));
      REQUIRE(create_user(*db, "old", "$scrypt$x", false, 1000));
      // A task that finished before accounting existed (written the way version 1 stored it).
      REQUIRE(db->exec(
          "INSERT INTO tasks(id, user_id, name, spec_json, state, gpus, cpus, run_ms, created_at_ms, updated_at_ms, "
          "finished_at_ms) VALUES('t-200101-0001', 1, 'old', '{}', 'completed', 2, 4, 10000, 1, 2, 3);"
          "INSERT INTO task_events VALUES('t-200101-0001', 1, 'completed', 'done', 3);"));
      if (from >= 2) REQUIRE(put_blob(*db, "h1", 10, 5));
    }
    auto db = open_ledger(path).value();
    CHECK(schema_version(*db, "ledger").value() == static_cast<int>(all.size()));
    CHECK(find_user(*db, "old").value().id == 1);
    CHECK(get_task(*db, "t-200101-0001").value().state == TaskState::completed);
    CHECK(find_blob(*db, "h1").value().has_value() == (from >= 2));
    // Accounting (version 3) backfills the task that had already finished; from version 3 on,
    // the raw insert above bypassed it and there is nothing to backfill.
    auto usage = task_usage(*db, "t-200101-0001").value();
    if (from >= 3) {
      CHECK_FALSE(usage);
      continue;
    }
    REQUIRE(usage);
    CHECK(usage->wall_seconds == doctest::Approx(10.0));
    CHECK(usage->gpu_seconds == doctest::Approx(20.0));
    CHECK(usage->cpu_seconds == doctest::Approx(40.0));
    // The user's totals read through version 4's covering index agree.
    auto totals = user_usage(*db, 1).value();
    CHECK(totals.gpu_seconds == doctest::Approx(20.0));
  }
}

TEST_CASE("a ledger written by a newer lab is refused, naming both versions") {
  auto path = fresh_path("newer.db");
  {
    auto db = open_ledger(path).value();
    REQUIRE(db->exec("UPDATE schema_versions SET version = version + 1 WHERE component = 'ledger'"));
  }
  auto r = open_ledger(path);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Errc::conflict);
  CHECK(r.error().message.find("newer lab") != std::string::npos);
  CHECK(r.error().message.find(path.string()) != std::string::npos);
  CHECK(r.error().message.find("version " + std::to_string(ledger_migrations().size() + 1)) != std::string::npos);
}

TEST_CASE("the ledger and another component share one file without touching each other") {
  auto path = fresh_path("shared.db");
  auto db = open_ledger(path).value();
  const Migration other[] = {{1, "CREATE TABLE outbox(id INTEGER PRIMARY KEY, body TEXT)"}};
  REQUIRE(migrate(*db, "transport", other));
  CHECK(schema_version(*db, "transport").value() == 1);
  CHECK(schema_version(*db, "ledger").value() == static_cast<int>(ledger_migrations().size()));
}

// Regression: migrate() read the version before taking the write lock, so two processes
// starting at once could both apply step 1 and the second failed with "table already exists".
TEST_CASE("processes that migrate one new file at the same moment all succeed") {
  for (int round = 0; round < 20; ++round) {
    auto path = fresh_path("race.db");
    std::atomic<int> ready{0};
    std::atomic<int> failures{0};
    std::string first_error;
    auto worker = [&] {
      auto db = Db::open(path);
      ++ready;  // counted even on failure, so the others never wait for it forever
      if (!db) {
        if (failures++ == 0) first_error = db.error().message;
        return;
      }
      while (ready.load() < 3) std::this_thread::yield();
      auto r = migrate_ledger(**db);
      if (!r && failures++ == 0) first_error = r.error().message;
    };
    std::thread a(worker), b(worker), c(worker);
    a.join();
    b.join();
    c.join();
    REQUIRE_MESSAGE(failures.load() == 0, first_error);
  }
}
