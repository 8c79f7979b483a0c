#include "log_shipper.hpp"

#include <lab/sys/clock.hpp>
#include <lab/worker/task_runner.hpp>

namespace lab::worker {

std::string sanitize_utf8(std::string_view s) {
  static const std::string kReplacement = "\xEF\xBF\xBD";
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    bool ok = len > 0 && i + len <= s.size();
    for (std::size_t k = 1; ok && k < len; ++k) ok = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
    if (ok && len > 1) {
      // Overlong forms, surrogates and code points above U+10FFFF are not valid either.
      std::uint32_t cp = len == 2 ? c & 0x1F : len == 3 ? c & 0x0F : c & 0x07;
      for (std::size_t k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
      ok = !(len == 2 && cp < 0x80) && !(len == 3 && cp < 0x800) && !(len == 4 && cp < 0x10000) &&
           !(cp >= 0xD800 && cp <= 0xDFFF) && cp <= 0x10FFFF;
    }
    if (ok) {
      out.append(s.substr(i, len));
      i += len;
    } else {
      out += kReplacement;
      ++i;
    }
  }
  return out;
}

LogShipper::LogShipper(PostBatch post, ShipperOptions options, std::function<void()> on_gone,
                       std::function<void(const std::string&)> say)
    : post_(std::move(post)), options_(options), on_gone_(std::move(on_gone)), say_(std::move(say)) {}

LogShipper::~LogShipper() {
  abandon();
  if (thread_.joinable()) thread_.join();
}

void LogShipper::add(std::string line) {
  line = sanitize_utf8(line);
  std::lock_guard lock(mu_);
  if (pending_.size() + line.size() > options_.max_pending_bytes) {
    dropped_ += line.size();
    return;
  }
  if (dropped_ > 0) {
    pending_ += format_log_line(sys::real_clock().now_ms(), "lab",
                                std::to_string(dropped_) + " bytes of output were dropped while the remote was unreachable");
    dropped_ = 0;
  }
  pending_ += line;
  if (pending_.size() >= options_.batch_bytes) cv_.notify_all();
}

void LogShipper::start(std::function<bool()> opening) {
  if (!thread_.joinable()) thread_ = std::thread([this, opening = std::move(opening)] { run(opening); });
}

bool LogShipper::finish() {
  start();
  {
    std::lock_guard lock(mu_);
    finishing_ = true;
    cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(mu_);
  return !gone_ && !abandoned_ && pending_.empty();
}

void LogShipper::abandon() {
  {
    std::lock_guard lock(mu_);
    abandoned_ = true;
    cv_.notify_all();
  }
}

std::uint64_t LogShipper::sent_bytes() const {
  std::lock_guard lock(mu_);
  return offset_;
}

std::string LogShipper::take_batch() {
  std::size_t cut = pending_.size();
  if (cut > options_.batch_bytes) {
    std::size_t nl = pending_.rfind('\n', options_.batch_bytes - 1);
    if (nl == std::string::npos) nl = pending_.find('\n');
    cut = nl == std::string::npos ? pending_.size() : nl + 1;
  }
  std::string batch = pending_.substr(0, cut);
  pending_.erase(0, cut);
  return batch;
}

void LogShipper::run(const std::function<bool()>& opening) {
  Backoff backoff(options_.retry_first, options_.retry_max);
  if (opening && !opening()) {
    std::lock_guard lock(mu_);
    gone_ = true;
    return;
  }
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait_for(lock, options_.interval,
                 [&] { return abandoned_ || finishing_ || pending_.size() >= options_.batch_bytes; });
    while (!pending_.empty() && !abandoned_) {
      const std::uint64_t offset = offset_;
      const std::string batch = take_batch();
      bool complained = false;
      while (true) {
        lock.unlock();
        auto r = post_(offset, batch);
        Answer a = classify(r);
        lock.lock();
        if (a == Answer::ok) break;
        if (a == Answer::gone || a == Answer::refused || a == Answer::unknown_worker) {
          gone_ = true;
          lock.unlock();
          if (a != Answer::gone && say_) say_("the remote refused the log; no more log lines are sent for this attempt (" + describe(r) + ")");
          if (a == Answer::gone && on_gone_) on_gone_();
          return;
        }
        if (!complained && say_) {
          complained = true;
          lock.unlock();
          say_("could not send log lines (" + describe(r) + "); trying again");
          lock.lock();
        }
        if (cv_.wait_for(lock, backoff.next(), [&] { return abandoned_; })) return;
      }
      backoff.reset();
      offset_ += batch.size();
    }
    if (abandoned_ || (finishing_ && pending_.empty())) return;
  }
}

}  // namespace lab::worker
