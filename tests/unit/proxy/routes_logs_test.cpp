#include "tasks_fixture.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <mutex>
#include <future>

using namespace lab;
using namespace lab::proxy::testing;

namespace {

struct LogAnswer {
  int status = 0;
  std::string body;
  std::string offset;
  bool complete = false;
};

LogAnswer get_log(const std::string& url, const std::string& token, const std::string& id, std::int64_t from, int wait) {
  httplib::Client c(url);
  c.set_read_timeout(90, 0);
  auto r = c.Get(("/api/v1/tasks/" + id + "/logs?from=" + std::to_string(from) + "&wait=" + std::to_string(wait)).c_str(),
                 Fixture::bearer(token));
  if (!r) return {0, httplib::to_string(r.error()), "", false};  // no doctest macros: called off the main thread
  return {r->status, r->body, r->get_header_value("X-Lab-Log-Offset"), r->get_header_value("X-Lab-Log-Complete") == "1"};
}

}  // namespace

TEST_CASE("proxy logs: offsets, duplicates, wake-up on append, and the Complete header") {
  Fixture f("logs");
  const std::string t = f.sign_up("alice");
  const std::string id = submit(f, t, upload_project(f, t))["id"];
  const std::string url = f.proxy->url();

  auto empty = get_log(url, t, id, 0, 0);
  CHECK(empty.status == 200);
  CHECK(empty.body.empty());
  CHECK(empty.offset == "0");
  CHECK_FALSE(empty.complete);

  // A long-poll is woken by the chunk, well before its wait runs out.
  auto started = std::chrono::steady_clock::now();
  auto waiting = std::async(std::launch::async, [&] { return get_log(url, t, id, 0, 30); });
  std::this_thread::sleep_for(300ms);
  const std::string l1 = "2026-11-30T10:00:00.000Z out epoch 1\n";
  f.send_local(proto::LogChunk{id, 0, l1, "stdout"});
  auto woke = waiting.get();
  CHECK(std::chrono::steady_clock::now() - started < 10s);
  CHECK(woke.body == l1);
  CHECK(woke.offset == std::to_string(l1.size()));
  CHECK_FALSE(woke.complete);

  const std::string l2 = "2026-11-30T10:00:01.000Z err warning\n";
  f.send_local(proto::LogChunk{id, 0, l1, "stdout"});  // a repeat: dropped
  f.send_local(proto::LogChunk{id, static_cast<std::int64_t>(l1.size()), l2, "stdout"});
  REQUIRE(eventually([&] { return get_log(url, t, id, 0, 0).body == l1 + l2; }));
  auto tail = get_log(url, t, id, static_cast<std::int64_t>(l1.size()), 0);
  CHECK(tail.body == l2);
  CHECK(tail.offset == std::to_string(l1.size() + l2.size()));

  // Nothing new: the wait runs out and the same offset comes back.
  started = std::chrono::steady_clock::now();
  auto idle = get_log(url, t, id, static_cast<std::int64_t>(l1.size() + l2.size()), 1);
  CHECK(std::chrono::steady_clock::now() - started >= 900ms);
  CHECK(idle.body.empty());
  CHECK(idle.offset == std::to_string(l1.size() + l2.size()));
  CHECK_FALSE(idle.complete);

  // Completion wakes a waiter too, and from then on the log is complete.
  auto final_wait = std::async(std::launch::async, [&] { return get_log(url, t, id, static_cast<std::int64_t>(l1.size() + l2.size()), 30); });
  std::this_thread::sleep_for(300ms);
  f.send_raw("status_update", {{"task_id", id}, {"status", "running"}});
  f.send_raw("task_completed", {{"task_id", id}, {"status", "completed"}, {"exit_code", 0}, {"result_keys", json::array()}});
  auto fin = final_wait.get();
  CHECK(fin.complete);
  CHECK(fin.body.empty());
  auto whole = get_log(url, t, id, 0, 0);
  CHECK(whole.complete);
  CHECK(whole.body == l1 + l2);
  auto partial = get_log(url, t, id, 5, 0);
  CHECK(partial.complete);
  CHECK(partial.body == (l1 + l2).substr(5));

  CHECK(get_log(url, t, id, -1, 0).status == 400);
  CHECK(get_log(url, t, "t-991231-0001", 0, 0).status == 404);
  CHECK(get_log(url, "", id, 0, 0).status == 401);
}

TEST_CASE("proxy logs: 200 long-polls wait at once and all wake on one chunk") {
  Fixture f("logs-many");
  const std::string t = f.sign_up("alice");
  const std::string id = submit(f, t, upload_project(f, t))["id"];
  const std::string url = f.proxy->url();
  constexpr int kPollers = 200;
  std::atomic<int> got{0};
  std::mutex mu;
  std::vector<std::string> errors;
  std::vector<std::thread> pollers;
  for (int i = 0; i < kPollers; ++i)
    pollers.emplace_back([&] {
      // No doctest assertions off the main thread: collect, then check.
      httplib::Client c(url);
      c.set_read_timeout(90, 0);
      const auto asked = std::chrono::steady_clock::now();
      auto r = c.Get(("/api/v1/tasks/" + id + "/logs?from=0&wait=30").c_str(), Fixture::bearer(t));
      const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - asked);
      if (r && r->status == 200 && r->body == "hello\n") {
        ++got;
      } else {
        std::lock_guard lock(mu);
        errors.push_back((r ? "HTTP " + std::to_string(r->status) + " [" + r->body + "] offset " +
                                  r->get_header_value("X-Lab-Log-Offset")
                            : httplib::to_string(r.error())) +
                         " after " + std::to_string(took.count()) + " ms");
      }
    });
  // Every poll is parked in the proxy (none answered early, none refused).
  const auto started = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - started < 15s) {
    auto h = f.get("/api/v1/health");  // the server still answers other calls meanwhile
    REQUIRE(h);
    if (h->status == 200 && got == 0) {
      std::this_thread::sleep_for(100ms);
    }
    if (std::chrono::steady_clock::now() - started > 3s) break;
  }
  CHECK(got == 0);
  f.send_local(proto::LogChunk{id, 0, "hello\n", "stdout"});
  for (auto& p : pollers) p.join();
  CHECK(got == kPollers);
  CHECK_MESSAGE(errors.empty(), errors.front());
}
