#include "pool_view.hpp"

namespace lab::proxy {

void PoolView::update(const proto::PoolSnapshot& snapshot, std::int64_t received_at_ms) {
  std::lock_guard lock(mu_);
  if (latest_ && latest_->at_ms > snapshot.at_ms) return;
  latest_ = snapshot;
  received_at_ms_ = received_at_ms;
}

nlohmann::json PoolView::to_json() const {
  std::lock_guard lock(mu_);
  if (!latest_) return nullptr;
  auto j = proto::to_json(proto::Message(*latest_));
  j["received_at_ms"] = received_at_ms_;
  return j;
}

}  // namespace lab::proxy
