// The newest compute-pool snapshot the remote sent (proto::PoolSnapshot), for the admin page.
// Kept in memory only: the remote sends a fresh one every few seconds. Private to lab::proxy.
#pragma once

#include <lab/proto/messages.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <mutex>
#include <optional>

namespace lab::proxy {

// Thread-safe.
class PoolView {
 public:
  // Keeps `snapshot` unless an equally new or newer one is already held.
  void update(const proto::PoolSnapshot& snapshot, std::int64_t received_at_ms);
  // {"executor","at_ms","received_at_ms","slots":[...]} or null when none came yet.
  nlohmann::json to_json() const;

 private:
  mutable std::mutex mu_;
  std::optional<proto::PoolSnapshot> latest_;  // guarded by mu_
  std::int64_t received_at_ms_ = 0;            // guarded by mu_
};

}  // namespace lab::proxy
