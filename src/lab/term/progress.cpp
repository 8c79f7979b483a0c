#include <lab/term/progress.hpp>
#include <lab/util/strings.hpp>

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

namespace lab::term {
namespace {

constexpr std::int64_t kRedrawMs = 100;

std::string amount(std::uint64_t n, bool bytes) {
  return bytes ? util::human_bytes(n) : std::to_string(n);
}

}  // namespace

Style Style::detect(std::FILE* stream) {
  Style s;
  int fd = fileno(stream);
  s.tty = fd >= 0 && ::isatty(fd);
  const char* term = std::getenv("TERM");
  s.color = s.tty && !std::getenv("NO_COLOR") && !(term && std::string(term) == "dumb");
  struct winsize ws {};
  if (s.tty && ::ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20) s.width = ws.ws_col;
  return s;
}

std::string format_rate(double per_second, bool bytes) {
  if (bytes) return util::human_bytes(static_cast<std::uint64_t>(per_second)) + "/s";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f/s", per_second);
  return buf;
}

std::string format_duration(std::int64_t s) {
  char buf[32];
  if (s < 60) std::snprintf(buf, sizeof buf, "%llds", static_cast<long long>(s));
  else if (s < 3600) std::snprintf(buf, sizeof buf, "%lldm%02llds", static_cast<long long>(s / 60), static_cast<long long>(s % 60));
  else std::snprintf(buf, sizeof buf, "%lldh%02lldm", static_cast<long long>(s / 3600), static_cast<long long>(s / 60 % 60));
  return buf;
}

Progress::Progress(std::string label, std::uint64_t total, bool bytes, Style style, sys::Clock& clock,
                   std::function<void(const std::string&)> write)
    : label_(std::move(label)), bytes_(bytes), style_(style), clock_(clock), write_(std::move(write)),
      started_ms_(clock.steady_ms()), total_(total), last_draw_ms_(started_ms_) {
  if (!style_.tty) {
    std::string line = label_;
    if (total_) line.append(" ").append(amount(total_, bytes_));
    line.append(" ...\n");
    emit(line);
  }
}

Progress::~Progress() {
  bool done;
  {
    std::lock_guard lock(mu_);
    done = finished_;
  }
  if (!done) finish();
}

void Progress::emit(const std::string& s) {
  if (write_) write_(s);
  else {
    std::fputs(s.c_str(), stderr);
    std::fflush(stderr);
  }
}

void Progress::add(std::uint64_t n) {
  std::string line;
  {
    std::lock_guard lock(mu_);
    done_ += n;
    if (!style_.tty || finished_) return;
    std::int64_t now = clock_.steady_ms();
    if (now - last_draw_ms_ < kRedrawMs) return;
    last_draw_ms_ = now;
    line.assign("\r").append(render_locked()).append("\x1b[K");
  }
  emit(line);
}

void Progress::set_total(std::uint64_t total) {
  std::lock_guard lock(mu_);
  total_ = total;
}

std::string Progress::render() const {
  std::lock_guard lock(mu_);
  return render_locked();
}

std::string Progress::render_locked() const {
  double secs = std::max<double>(0.001, static_cast<double>(clock_.steady_ms() - started_ms_) / 1000.0);
  double rate = static_cast<double>(done_) / secs;
  std::string right = amount(done_, bytes_);
  if (total_) right += " / " + amount(total_, bytes_);
  right += "  " + format_rate(rate, bytes_);
  if (total_ && done_ < total_ && rate > 0)
    right += "  " + format_duration(static_cast<std::int64_t>(static_cast<double>(total_ - done_) / rate)) + " left";
  std::string left = label_ + " ";
  int bar = style_.width - static_cast<int>(left.size() + right.size()) - 4;
  std::string out = left;
  if (total_ && bar >= 10) {
    const std::size_t width = static_cast<std::size_t>(bar);
    const std::size_t filled = std::min<std::size_t>(
        width, static_cast<std::size_t>(static_cast<double>(width) * static_cast<double>(std::min(done_, total_)) /
                                        static_cast<double>(total_)));
    out += '[';
    if (style_.color) out += "\x1b[32m";
    out.append(filled, '#');
    if (style_.color) out += "\x1b[0m";
    out.append(width - filled, '.');
    out += "] ";
  }
  return out + right;
}

void Progress::finish(const std::string& note) {
  std::string line;
  {
    std::lock_guard lock(mu_);
    if (finished_) return;
    finished_ = true;
    double secs = static_cast<double>(clock_.steady_ms() - started_ms_) / 1000.0;
    std::string summary = label_ + " done: " + amount(done_, bytes_) + " in " +
                          format_duration(static_cast<std::int64_t>(secs + 0.5));
    if (!note.empty()) summary += " (" + note + ")";
    line = style_.tty ? "\r" + summary + "\x1b[K\n" : summary + "\n";
  }
  emit(line);
}

}  // namespace lab::term
