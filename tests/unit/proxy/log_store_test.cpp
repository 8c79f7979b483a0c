#include "lab/proxy/log_store.hpp"
#include "lab/proxy/schema.hpp"

#include "unit/ledger/fixture.hpp"

#include <lab/ledger/tasks.hpp>

#include <doctest/doctest.h>

#include <thread>

using namespace lab;
using namespace lab::proxy;

namespace {

struct LogFixture : ledger::testing::Fixture {
  LogFixture() : ledger::testing::Fixture("proxy-logs.db") {
    REQUIRE(migrate_proxy(*db));
    ledger::NewTask nt;
    nt.user_id = ada;
    nt.name = "t";
    nt.initial = ledger::TaskState::pending;
    id = ledger::create_task(*db, nt, clock.now_ms()).value().id;
  }
  std::string id;
};

}  // namespace

TEST_CASE("proxy log store: chunks append, repeats are dropped, reads resume at any offset") {
  LogFixture f;
  auto& db = *f.db;
  CHECK(log_length(db, f.id).value() == 0);
  CHECK(append_log_chunk(db, f.id, 0, "line one\n").value());
  CHECK(append_log_chunk(db, f.id, 9, "line two\n").value());
  CHECK_FALSE(append_log_chunk(db, f.id, 0, "line one\n").value());  // a redelivered chunk
  CHECK_FALSE(append_log_chunk(db, f.id, 5, "xx").value());          // overlaps what is held
  CHECK(log_length(db, f.id).value() == 18);

  auto all = read_log(db, f.id, 0, 1 << 20).value();
  CHECK(all.data == "line one\nline two\n");
  CHECK(all.next == 18);
  auto mid = read_log(db, f.id, 4, 1 << 20).value();  // inside the first chunk
  CHECK(mid.data == " one\nline two\n");
  CHECK(mid.next == 18);
  auto end = read_log(db, f.id, 18, 1 << 20).value();
  CHECK(end.data.empty());
  CHECK(end.next == 18);
  auto capped = read_log(db, f.id, 0, 3).value();  // whole chunks, at least one
  CHECK(capped.data == "line one\n");
  CHECK(capped.next == 9);
}

TEST_CASE("proxy log store: a gap is skipped, offsets stay true") {
  LogFixture f;
  REQUIRE(append_log_chunk(*f.db, f.id, 0, "abc").value());
  REQUIRE(append_log_chunk(*f.db, f.id, 10, "xyz").value());
  auto s = read_log(*f.db, f.id, 0, 1 << 20).value();
  CHECK(s.data == "abcxyz");
  CHECK(s.next == 13);
  CHECK(log_length(*f.db, f.id).value() == 13);
}

TEST_CASE("proxy log watch: a notify after the ticket wakes the waiter; stop wakes everyone") {
  LogWatch w;
  auto t = w.watch("t-1");
  w.notify("t-1");  // before the wait: still seen
  CHECK(w.wait(*t, std::chrono::steady_clock::now() + std::chrono::seconds(5)));
  CHECK_FALSE(w.wait(*t, std::chrono::steady_clock::now() + std::chrono::milliseconds(50)));  // nothing new
  w.notify("other");
  CHECK_FALSE(w.wait(*t, std::chrono::steady_clock::now() + std::chrono::milliseconds(50)));
  std::thread later([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    w.stop();
  });
  auto before = std::chrono::steady_clock::now();
  w.wait(*t, std::chrono::steady_clock::now() + std::chrono::seconds(30));
  CHECK(std::chrono::steady_clock::now() - before < std::chrono::seconds(10));
  later.join();
}
