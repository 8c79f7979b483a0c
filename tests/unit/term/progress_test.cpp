#include <doctest/doctest.h>
#include <lab/term/progress.hpp>

using namespace lab;
using namespace lab::term;

namespace {
struct Sink {
  std::string all;
  std::function<void(const std::string&)> fn() {
    return [this](const std::string& s) { all += s; };
  }
};
}  // namespace

TEST_CASE("off a terminal, progress prints one plain start line and one end line") {
  sys::FakeClock clock;
  Sink out;
  {
    Progress p("uploading", 3 << 20, true, Style{false, false, 80}, clock, out.fn());
    for (int i = 0; i < 32; ++i) {  // 32 x 96 KiB = 3 MiB in 3.2 s
      clock.advance_ms(100);
      p.add(96 << 10);
    }
    p.finish("2 files already stored");
  }
  CHECK(out.all == "uploading 3.0 MiB ...\nuploading done: 3.0 MiB in 3s (2 files already stored)\n");
  CHECK(out.all.find('\r') == std::string::npos);
  CHECK(out.all.find('\x1b') == std::string::npos);
}

TEST_CASE("on a terminal, redraws are throttled and show rate and time left") {
  sys::FakeClock clock;
  Sink out;
  Progress p("hashing", 1000, false, Style{true, false, 80}, clock, out.fn());
  p.add(10);  // too soon after start: no redraw
  CHECK(out.all.empty());
  clock.advance_ms(1000);
  p.add(240);  // 250 of 1000 in 1 s -> 250/s, 3 s left
  CHECK(out.all.starts_with("\rhashing ["));
  CHECK(out.all.find("250 / 1000  250/s  3s left") != std::string::npos);
  auto draws = std::count(out.all.begin(), out.all.end(), '\r');
  p.add(1);  // same instant: throttled
  CHECK(std::count(out.all.begin(), out.all.end(), '\r') == draws);
  p.finish();
  CHECK(out.all.ends_with("hashing done: 251 in 1s\x1b[K\n"));
}

TEST_CASE("the bar fills in proportion and colour only when allowed") {
  sys::FakeClock clock;
  Progress plain("x", 100, false, Style{true, false, 60}, clock, [](const std::string&) {});
  clock.advance_ms(1000);
  plain.add(50);
  std::string line = plain.render();
  auto open = line.find('['), close = line.find(']');
  REQUIRE(open != std::string::npos);
  std::string bar = line.substr(open + 1, close - open - 1);
  auto hashes = std::count(bar.begin(), bar.end(), '#');
  CHECK(hashes == static_cast<long>(bar.size() / 2));
  CHECK(line.find("\x1b[") == std::string::npos);

  Progress coloured("x", 100, false, Style{true, true, 60}, clock, [](const std::string&) {});
  coloured.add(50);
  CHECK(coloured.render().find("\x1b[32m") != std::string::npos);
}

TEST_CASE("durations and rates read naturally") {
  CHECK(format_duration(4) == "4s");
  CHECK(format_duration(125) == "2m05s");
  CHECK(format_duration(3720) == "1h02m");
  CHECK(format_rate(1536.0, true) == "1.5 KiB/s");
  CHECK(format_rate(340.4, false) == "340/s");
}
