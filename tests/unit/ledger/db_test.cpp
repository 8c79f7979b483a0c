#include <doctest/doctest.h>
#include <lab/ledger/db.hpp>

#include <atomic>
#include <filesystem>
#include <initializer_list>
#include <string>
#include <thread>
#include <vector>
#include <unistd.h>

using namespace lab;
using namespace lab::ledger;

namespace {

std::filesystem::path temp_db(const char* name) {
  auto dir = std::filesystem::temp_directory_path() / ("lab-db-test-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  auto p = dir / name;
  std::filesystem::remove(p);
  std::filesystem::remove(p.string() + "-wal");
  std::filesystem::remove(p.string() + "-shm");
  return p;
}

const Migration kV1[] = {{1, "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)"}};
const Migration kV2[] = {{1, "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)"},
                         {2, "ALTER TABLE t ADD COLUMN note TEXT"}};

}  // namespace

TEST_CASE("migrate applies numbered steps once and records the version") {
  auto path = temp_db("m.db");
  auto db = Db::open(path).value();
  REQUIRE(migrate(*db, "test", kV1));
  CHECK(schema_version(*db, "test").value() == 1);
  REQUIRE(migrate(*db, "test", kV2));
  CHECK(schema_version(*db, "test").value() == 2);
  REQUIRE(migrate(*db, "test", kV2));  // idempotent
  CHECK(db->exec("INSERT INTO t(name, note) VALUES('a', 'b')"));
  CHECK(schema_version(*db, "other").value() == 0);
}

TEST_CASE("an older binary refuses a newer schema with a clear message") {
  auto path = temp_db("newer.db");
  auto db = Db::open(path).value();
  REQUIRE(migrate(*db, "test", kV2));
  auto r = migrate(*db, "test", kV1);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Errc::conflict);
  CHECK(r.error().message.find("newer lab") != std::string::npos);
  CHECK(r.error().message.find("version 2") != std::string::npos);
}

TEST_CASE("a failing transaction leaves nothing behind") {
  auto path = temp_db("tx.db");
  auto db = Db::open(path).value();
  REQUIRE(migrate(*db, "test", kV1));
  auto r = db->transaction([](Db& tx) -> Result<void> {
    if (auto e = tx.exec("INSERT INTO t(name) VALUES('x')"); !e) return e;
    return tx.exec("INSERT INTO t(name) VALUES('x')");  // UNIQUE violation
  });
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Errc::conflict);
  auto st = db->prepare("SELECT count(*) FROM t").value();
  REQUIRE(st.step().value());
  CHECK(st.column_int64(0) == 0);
}

TEST_CASE("statements bind and read every type, including NULL") {
  auto path = temp_db("types.db");
  auto db = Db::open(path).value();
  REQUIRE(db->exec("CREATE TABLE v(i INTEGER, d REAL, s TEXT, b BLOB, n TEXT)"));
  const unsigned char bytes[] = {0, 1, 255};
  auto ins = db->prepare("INSERT INTO v VALUES(?1, ?2, ?3, ?4, ?5)").value();
  ins.bind_all(std::int64_t{1} << 40, 2.5, std::string("h\xc3\xa9llo")).bind_blob(4, bytes).bind_null(5);
  REQUIRE(ins.run());
  auto sel = db->prepare("SELECT i, d, s, b, n FROM v").value();
  REQUIRE(sel.step().value());
  CHECK(sel.column_int64(0) == (std::int64_t{1} << 40));
  CHECK(sel.column_double(1) == 2.5);
  CHECK(sel.column_text(2) == "h\xc3\xa9llo");
  CHECK(sel.column_blob(3) == std::vector<unsigned char>{0, 1, 255});
  CHECK_FALSE(sel.column_opt_text(4).has_value());
  CHECK_FALSE(sel.step().value());
}

TEST_CASE("opening an unreadable path fails with the file named") {
  auto r = Db::open("/nonexistent-dir/for/sure/x.db");
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("/nonexistent-dir/for/sure/x.db") != std::string::npos);
}

TEST_CASE("writers in one process queue for the file: all commit, none is lost, none fails") {
  auto path = temp_db("queue.db");
  REQUIRE(migrate(*Db::open(path).value(), "test", kV1));
  constexpr int kThreads = 8, kEach = 50;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      auto db = Db::open(path).value();
      for (int i = 0; i < kEach; ++i) {
        auto r = db->transaction([&](Db& tx) -> Result<void> {
          auto st = tx.prepare("INSERT INTO t(name) VALUES(?1)");
          if (!st) return std::unexpected(st.error());
          st->bind(1, std::to_string(t) + "-" + std::to_string(i));
          return st->run();
        });
        if (!r) ++failures;
      }
    });
  for (auto& th : threads) th.join();
  CHECK(failures.load() == 0);
  auto db = Db::open(path).value();
  auto st = db->prepare("SELECT count(*) FROM t").value();
  REQUIRE(st.step().value());
  CHECK(st.column_int64(0) == kThreads * kEach);
}

TEST_CASE("a writer that waits past the busy timeout fails with a timeout naming the file") {
  auto path = temp_db("held.db");
  auto holder = Db::open(path).value();
  REQUIRE(migrate(*holder, "test", kV1));
  OpenOptions quick;
  quick.busy_timeout = std::chrono::milliseconds(100);
  auto waiter = Db::open(path, quick).value();
  Result<void> second;
  auto first = holder->transaction([&](Db&) -> Result<void> {
    second = waiter->transaction([](Db& tx) { return tx.exec("INSERT INTO t(name) VALUES('late')"); });
    return {};
  });
  REQUIRE(first);
  REQUIRE_FALSE(second);
  CHECK(second.error().code == Errc::timeout);
  CHECK(second.error().message.find(path.string()) != std::string::npos);
  // Once the holder committed, the waiter writes.
  CHECK(waiter->transaction([](Db& tx) { return tx.exec("INSERT INTO t(name) VALUES('late')"); }));
}

TEST_CASE("a connection reuses its compiled statements: fresh binds, reset rows, never another connection's") {
  auto a = Db::open(temp_db("cache-a.db")).value();
  auto b = Db::open(temp_db("cache-b.db")).value();
  for (auto* db : {a.get(), b.get()}) REQUIRE(db->exec("CREATE TABLE kv(k INTEGER PRIMARY KEY, v TEXT)"));
  for (int i = 0; i < 100; ++i) {
    auto ins = a->prepare("INSERT INTO kv(k, v) VALUES(?1, ?2)").value();
    REQUIRE(ins.bind_all(i, "a" + std::to_string(i)).run());
  }
  REQUIRE(b->exec("INSERT INTO kv(k, v) VALUES(5, 'b5')"));
  const char* kGet = "SELECT v FROM kv WHERE k = ?1";
  {  // the same SQL live twice on one connection
    auto first = a->prepare(kGet).value();
    auto second = a->prepare(kGet).value();
    REQUIRE(first.bind(1, 5).step().value());
    REQUIRE(second.bind(1, 7).step().value());
    CHECK(first.column_text(0) == "a5");
    CHECK(second.column_text(0) == "a7");
  }
  {  // given back mid-row: the next use starts over, without the old binds
    auto st = a->prepare("SELECT k FROM kv WHERE k >= ?1 ORDER BY k").value();
    REQUIRE(st.bind(1, 10).step().value());
    CHECK(st.column_int64(0) == 10);
  }
  {
    auto st = a->prepare("SELECT k FROM kv WHERE k >= ?1 ORDER BY k").value();
    CHECK_FALSE(st.step().value());  // ?1 is NULL again: no row
  }
  {  // the other connection's statement for the same SQL reads its own file
    auto st = b->prepare(kGet).value();
    REQUIRE(st.bind(1, 5).step().value());
    CHECK(st.column_text(0) == "b5");
  }
  // More distinct statements than one connection keeps, and a schema change under a kept one.
  for (int round = 0; round < 2; ++round)
    for (int i = 0; i < 100; ++i) {
      auto st = a->prepare("SELECT " + std::to_string(i) + " + count(*) FROM kv").value();
      REQUIRE(st.step().value());
      CHECK(st.column_int64(0) == 100 + i);
    }
  REQUIRE(a->prepare("SELECT * FROM kv WHERE k = 1").value().step().value());
  REQUIRE(a->exec("ALTER TABLE kv ADD COLUMN w INTEGER DEFAULT 3"));
  auto st = a->prepare("SELECT * FROM kv WHERE k = 1").value();
  REQUIRE(st.step().value());
  CHECK(st.column_int64(2) == 3);
  // BEGIN / COMMIT / ROLLBACK come from the cache too.
  for (int i = 0; i < 50; ++i) {
    const bool keep = i % 2 == 0;
    auto r = a->transaction([&](Db& tx) -> Result<void> {
      auto ins = tx.prepare("INSERT INTO kv(k, v) VALUES(?1, 'tx')").value();
      if (auto e = ins.bind(1, 1000 + i).run(); !e) return e;
      if (!keep) return fail(Errc::conflict, "roll this one back");
      return {};
    });
    CHECK(r.has_value() == keep);
  }
  auto n = a->prepare("SELECT count(*) FROM kv WHERE v = 'tx'").value();
  REQUIRE(n.step().value());
  CHECK(n.column_int64(0) == 25);
}
