// Progress bars for hashing, uploading and downloading. On a terminal: one line redrawn in
// place at most 10 times a second, with rate and time left. Elsewhere (a pipe, a CI log):
// plain lines, one when the work starts and one when it ends, so logs stay readable.
// NO_COLOR (any value) turns colour off.
#pragma once

#include <lab/sys/clock.hpp>

#include <cstdint>
#include <cstdio>
#include <functional>
#include <mutex>
#include <string>

namespace lab::term {

// How output looks; detect() reads the real terminal and environment.
struct Style {
  bool tty = false;
  bool color = false;
  int width = 80;
  static Style detect(std::FILE* stream);
};

// Thread-safe: workers may call `add` from several threads.
class Progress {
 public:
  // `label` is a verb ("hashing", "uploading"); `total` in `unit`s (0 = unknown).
  // `write` receives already formatted text (default: stderr).
  Progress(std::string label, std::uint64_t total, bool bytes, Style style,
           sys::Clock& clock = sys::real_clock(), std::function<void(const std::string&)> write = {});
  ~Progress();  // finishes if not finished

  void add(std::uint64_t done);
  void set_total(std::uint64_t total);
  // Draws the final state and ends the line. `note` is appended ("3 files skipped").
  void finish(const std::string& note = "");

  // The bar line as it would be drawn now (for tests and for the web of callers).
  std::string render() const;

 private:
  std::string render_locked() const;
  void emit(const std::string& s);

  const std::string label_;
  const bool bytes_;
  const Style style_;
  sys::Clock& clock_;
  std::function<void(const std::string&)> write_;
  const std::int64_t started_ms_;

  mutable std::mutex mu_;
  std::uint64_t total_;        // guarded by mu_
  std::uint64_t done_ = 0;     // guarded by mu_
  std::int64_t last_draw_ms_;  // guarded by mu_
  bool finished_ = false;      // guarded by mu_
};

// "1.2 MiB/s", "340 files/s".
std::string format_rate(double per_second, bool bytes);
// "4s", "2m05s", "1h02m".
std::string format_duration(std::int64_t seconds);

}  // namespace lab::term
