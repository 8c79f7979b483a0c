#include "announce.hpp"

#include <lab/transport/durable.hpp>
#include <lab/transport/transport.hpp>

#include <cmath>

namespace lab::remote {
namespace {

Result<void> enqueue(ledger::Db& tx, const proto::Message& m, std::int64_t at_ms) {
  auto id = transport::enqueue(tx, transport::kToLocal, proto::encode(m, at_ms));
  if (!id) return std::unexpected(id.error());
  return {};
}

proto::TaskStatus status_of(ledger::TaskState s) {
  return proto::parse_task_status(ledger::to_string(s)).value_or(proto::TaskStatus::failed);
}

}  // namespace

std::string utf8_clean(std::string_view d) {
  std::string out;
  out.reserve(d.size());
  std::size_t i = 0;
  while (i < d.size()) {
    const auto c = static_cast<unsigned char>(d[i]);
    std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    bool ok = len > 0 && i + len <= d.size() && !(len == 2 && c < 0xC2) && !(len == 4 && c > 0xF4);
    for (std::size_t k = 1; ok && k < len; ++k) ok = (static_cast<unsigned char>(d[i + k]) & 0xC0) == 0x80;
    if (ok && len == 3) {
      const auto c1 = static_cast<unsigned char>(d[i + 1]);
      ok = !(c == 0xE0 && c1 < 0xA0) && !(c == 0xED && c1 >= 0xA0);  // overlong, surrogates
    }
    if (ok && len == 4) {
      const auto c1 = static_cast<unsigned char>(d[i + 1]);
      ok = !(c == 0xF0 && c1 < 0x90) && !(c == 0xF4 && c1 >= 0x90);
    }
    if (ok) {
      out.append(d.substr(i, len));
      i += len;
    } else {
      out += "\xEF\xBF\xBD";
      i += 1;
    }
  }
  return out;
}

std::size_t utf8_cut(std::string_view data, std::size_t max) {
  if (data.size() <= max) return data.size();
  // Step back over continuation bytes (10xxxxxx) to the start of a character.
  std::size_t n = max;
  while (n > 0 && max - n < 4 && (static_cast<unsigned char>(data[n]) & 0xC0) == 0x80) --n;
  return n == 0 || max - n >= 4 ? max : n;
}

Result<void> send_status(ledger::Db& tx, std::string_view task_id, ledger::TaskState state, std::string_view reason,
                         std::int64_t at_ms) {
  proto::StatusUpdate u;
  u.task_id = std::string(task_id);
  u.status = status_of(state);
  if (!reason.empty()) u.reason = std::string(reason);
  u.at_ms = at_ms;
  return enqueue(tx, u, at_ms);
}

Result<void> send_log(ledger::Db& tx, std::string_view task_id, std::int64_t offset, std::string_view data,
                      std::int64_t at_ms) {
  while (!data.empty()) {
    const std::size_t n = utf8_cut(data, kMaxLogChunkBytes);
    proto::LogChunk c{std::string(task_id), offset, std::string(data.substr(0, n)), "stdout"};
    if (auto r = enqueue(tx, c, at_ms); !r) return r;
    offset += static_cast<std::int64_t>(n);
    data.remove_prefix(n);
  }
  return {};
}

Result<void> send_completed(ledger::Db& tx, std::string_view task_id, const Completion& c, std::int64_t at_ms) {
  proto::TaskCompleted m;
  m.task_id = std::string(task_id);
  m.status = status_of(c.state);
  m.exit_code = c.exit_code;
  m.result_keys = c.result_keys;
  m.gpu_seconds = std::llround(c.gpu_seconds);
  m.cpu_seconds = std::llround(c.cpu_seconds);
  m.wall_seconds = std::llround(c.wall_seconds);
  if (!c.reason.empty()) {
    m.reason = c.reason;
    if (c.state == ledger::TaskState::failed) m.error_message = c.reason;  // for readers of the older field
  }
  return enqueue(tx, m, at_ms);
}

}  // namespace lab::remote
