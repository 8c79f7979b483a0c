// The crash-consistency proof: a child process writes realistic transactions in a loop and
// is killed with SIGKILL at a random moment, hundreds of times; after every kill the parent
// reopens the file and checks the invariants of docs/ledger.md ("What stays true").
#include "fixture.hpp"

#include <lab/ledger/blobs.hpp>
#include <lab/ledger/tasks.hpp>

#include <chrono>
#include <csignal>
#include <random>
#include <sys/wait.h>
#include <unistd.h>
#include <thread>

using namespace lab;
using namespace lab::ledger;

namespace {

constexpr int kBlobsPerTask = 3;

// The blobs created together with task `id` (same transaction).
std::string blob_of(const std::string& id, int i) { return "b-" + id + "-" + std::to_string(i); }

// The child: writes forever (until killed). Never returns.
// Writes one byte to `ready_fd` once the ledger is open, so kills land while it writes.
[[noreturn]] void write_forever(const std::filesystem::path& path, unsigned seed, std::int64_t user, int ready_fd) {
  std::mt19937 rng(seed);
  auto db = Db::open(path);
  if (!db) _exit(3);
  if (write(ready_fd, "r", 1) != 1) _exit(7);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  std::int64_t now = sys::real_clock().now_ms();
  while (true) {
    now += 1 + pick(50);
    auto active = list_active_tasks(**db);
    if (!active) _exit(4);
    if (active->size() < 8 || pick(4) == 0) {
      // A submission: the task, its first event and its blobs commit together.
      auto r = (*db)->transaction([&](Db& tx) -> Result<void> {
        NewTask nt;
        nt.user_id = user;
        nt.name = "kill";
        nt.gpus = pick(3);
        nt.initial = pick(2) ? TaskState::uploading : TaskState::pending;
        auto t = create_task(tx, nt, now);
        if (!t) return std::unexpected(t.error());
        for (int i = 0; i < kBlobsPerTask; ++i)
          if (auto b = put_blob(tx, blob_of(t->id, i), 100 + i, now); !b) return b;
        return {};
      });
      if (!r) _exit(5);
      continue;
    }
    // A state change to a random legal next state (terminal ones write accounting).
    const Task& t = (*active)[static_cast<std::size_t>(pick(static_cast<int>(active->size())))];
    std::vector<TaskState> next;
    for (TaskState s : kAllTaskStates)
      if (can_transition(t.state, s) && (s != TaskState::cancelled || pick(3) == 0)) next.push_back(s);
    if (next.empty()) continue;
    TaskState to = next[static_cast<std::size_t>(pick(static_cast<int>(next.size())))];
    if (!transition(**db, t.id, to, "kill test", now, {.exit_code = pick(2)})) _exit(6);
  }
}

// One row count from `sql`.
std::int64_t count(Db& db, const char* sql) {
  auto st = db.prepare(sql).value();
  REQUIRE(st.step().value());
  return st.column_int64(0);
}

// Checks every invariant; returns the number of events seen (to prove progress).
std::int64_t check_invariants(const std::filesystem::path& path) {
  auto db = open_ledger(path).value();
  auto ic = db->prepare("PRAGMA integrity_check").value();
  REQUIRE(ic.step().value());
  REQUIRE(ic.column_text(0) == "ok");
  CHECK(count(*db, "SELECT count(*) FROM pragma_foreign_key_check") == 0);
  // The current state is the state of the last event.
  CHECK(count(*db,
              "SELECT count(*) FROM tasks AS t WHERE t.state IS NOT (SELECT e.state FROM task_events AS e "
              "WHERE e.task_id = t.id ORDER BY e.seq DESC LIMIT 1)") == 0);
  // Event numbers run 1, 2, 3, ... without gaps.
  CHECK(count(*db,
              "SELECT count(*) FROM (SELECT task_id FROM task_events GROUP BY task_id "
              "HAVING min(seq) != 1 OR max(seq) != count(*))") == 0);
  // Exactly the terminal tasks have an accounting row (task_id is its key: at most one).
  CHECK(count(*db,
              "SELECT count(*) FROM tasks WHERE state IN ('completed', 'failed', 'cancelled') "
              "AND id NOT IN (SELECT task_id FROM accounting)") == 0);
  CHECK(count(*db,
              "SELECT count(*) FROM accounting WHERE task_id NOT IN (SELECT id FROM tasks "
              "WHERE state IN ('completed', 'failed', 'cancelled'))") == 0);
  // attempts counts the entries into running; finished_at is set exactly for terminal tasks.
  CHECK(count(*db,
              "SELECT count(*) FROM tasks AS t WHERE attempts != (SELECT count(*) FROM task_events AS e "
              "WHERE e.task_id = t.id AND e.state = 'running')") == 0);
  CHECK(count(*db,
              "SELECT count(*) FROM tasks WHERE (finished_at_ms IS NOT NULL) != "
              "(state IN ('completed', 'failed', 'cancelled'))") == 0);
  // The day counters match the ids handed out, and each task's blobs came with it.
  CHECK(count(*db,
              "SELECT count(*) FROM task_counters AS c WHERE c.last != (SELECT count(*) FROM tasks "
              "WHERE substr(id, 3, 6) = c.day)") == 0);
  CHECK(count(*db,
              "SELECT count(*) FROM tasks AS t WHERE (SELECT count(*) FROM blobs "
              "WHERE hash > 'b-' || t.id || '-' AND hash < 'b-' || t.id || '.') != 3") == 0);
  CHECK(count(*db, "SELECT count(*) FROM blobs WHERE substr(hash, 3, 13) NOT IN (SELECT id FROM tasks)") == 0);
  // Every step in every history is one the state machine allows.
  auto ev = db->prepare("SELECT task_id, state FROM task_events ORDER BY task_id, seq").value();
  std::string prev_task;
  TaskState prev{};
  std::int64_t events = 0, illegal = 0;
  while (ev.step().value()) {
    ++events;
    auto s = parse_task_state(ev.column_text(1));
    if (!s || (ev.column_text(0) == prev_task && !can_transition(prev, *s))) ++illegal;
    prev_task = ev.column_text(0);
    prev = s.value_or(TaskState::uploading);
  }
  CHECK(illegal == 0);
  return events;
}

}  // namespace

TEST_CASE("the ledger stays consistent when its writer is killed with SIGKILL at random moments") {
  auto path = testing::fresh_path("kill.db");
  std::int64_t user = 0;
  {
    auto db = open_ledger(path).value();
    user = create_user(*db, "victim", "$scrypt$p", false, 1).value().id;
  }  // no connection is open across fork()
  std::mt19937 rng(20261119);
  const int kIterations = 250;
  std::int64_t events = 0;
  int early_exits = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kIterations; ++i) {
    const unsigned seed = static_cast<unsigned>(rng());
    const auto delay = std::chrono::microseconds(rng() % 30'000);
    int ready[2];
    REQUIRE(pipe(ready) == 0);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) write_forever(path, seed, user, ready[1]);
    close(ready[1]);
    char byte = 0;
    const bool started = read(ready[0], &byte, 1) == 1;  // EOF: the child died before opening
    close(ready[0]);
    if (started) std::this_thread::sleep_for(delay);
    kill(pid, SIGKILL);
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    if (!(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)) ++early_exits;
    CAPTURE(i);
    events = check_invariants(path);
  }
  const auto secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  MESSAGE(kIterations << " kills in " << secs << " s; " << events << " events survived");
  CHECK(early_exits == 0);  // the child never stopped on its own (an error would exit early)
  // The children did real work between kills: on a loaded machine each gets less of the
  // delay's CPU time, so the bound is per kill rather than an absolute count.
  CHECK(events > kIterations);
}
