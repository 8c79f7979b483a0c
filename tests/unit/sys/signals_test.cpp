#include <doctest/doctest.h>
#include <lab/sys/signals.hpp>

#include <csignal>
#include <pthread.h>
#include <thread>

TEST_CASE("a blocked stop signal is collected by wait_for_stop_signal instead of killing the process") {
  int got = 0;
  std::thread t([&] {
    lab::sys::block_stop_signals();
    pthread_kill(pthread_self(), SIGHUP);  // pending: blocked in this thread only
    got = lab::sys::wait_for_stop_signal();
  });
  t.join();
  CHECK(got == SIGHUP);
}
