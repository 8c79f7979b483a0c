#include <doctest/doctest.h>
#include "lab/worker/calls.hpp"

using namespace lab;
using namespace lab::worker;
using namespace std::chrono_literals;

TEST_CASE("answers are sorted into ok, gone, register again, retry and refused") {
  auto answer = [](int status, std::string body = "{}") { return Result<net::HttpResponse>(net::HttpResponse{status, body}); };
  const std::string unknown = R"({"error":{"code":"unknown_worker","message":"register again"}})";
  CHECK(classify(answer(200)) == Answer::ok);
  CHECK(classify(answer(204, "")) == Answer::ok);
  CHECK(classify(answer(409)) == Answer::gone);
  CHECK(classify(answer(404)) == Answer::gone);                       // a task call: the task is gone
  CHECK(classify(answer(404, unknown), true) == Answer::unknown_worker);
  CHECK(classify(answer(404, R"({"error":{"code":7}})"), true) == Answer::refused);  // odd bodies do not throw
  CHECK(classify(answer(404, "not json"), true) == Answer::refused);
  CHECK(classify(answer(500)) == Answer::retry);
  CHECK(classify(answer(503)) == Answer::retry);
  CHECK(classify(answer(401)) == Answer::refused);
  CHECK(classify(answer(400)) == Answer::refused);
  CHECK(classify(Result<net::HttpResponse>(fail(Errc::unavailable, "cannot reach x"))) == Answer::retry);
  CHECK(describe(answer(500, R"({"error":{"code":"internal","message":"disk full"}})")) == "HTTP 500: disk full");
}

TEST_CASE("backoff doubles up to its ceiling and starts over after reset") {
  Backoff b(1000ms, 5000ms);
  CHECK(b.next() == 1000ms);
  CHECK(b.next() == 2000ms);
  CHECK(b.next() == 4000ms);
  CHECK(b.next() == 5000ms);
  CHECK(b.next() == 5000ms);
  b.reset();
  CHECK(b.next() == 1000ms);
  CHECK(say_wait(2000ms) == "2 s");
  CHECK(say_wait(250ms) == "250 ms");
}

TEST_CASE("a Stopper ends waits early, now and later") {
  Stopper s;
  CHECK_FALSE(s.wait_for(1ms));
  s.stop();
  auto t0 = std::chrono::steady_clock::now();
  CHECK(s.wait_for(10s));
  CHECK(std::chrono::steady_clock::now() - t0 < 1s);
  CHECK(s.stopped());
}
