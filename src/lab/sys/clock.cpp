#include <lab/sys/clock.hpp>

#include <cstdio>
#include <ctime>
#include <string>
#include <thread>

namespace lab::sys {
namespace {

class RealClock final : public Clock {
 public:
  std::int64_t now_ms() const override {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  }
  std::int64_t steady_ms() const override {
    using namespace std::chrono;
    return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
  }
  void sleep_ms(std::int64_t ms) override {
    if (ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  }
};

}  // namespace

Clock& real_clock() {
  static RealClock clock;
  return clock;
}

std::int64_t FakeClock::now_ms() const {
  std::lock_guard lock(mu_);
  return now_;
}

std::int64_t FakeClock::steady_ms() const {
  std::lock_guard lock(mu_);
  return steady_;
}

void FakeClock::advance_ms(std::int64_t ms) {
  std::lock_guard lock(mu_);
  now_ += ms;
  steady_ += ms;
}

std::string format_utc_ms(std::int64_t epoch_ms) {
  std::time_t secs = static_cast<std::time_t>(epoch_ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(epoch_ms % 1000));
  return buf;
}

}  // namespace lab::sys
