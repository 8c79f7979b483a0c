// The s3 backend. Layout under <storage prefix>messages/ (docs/transport.md):
//   <channel>/<seq>-<sender>.json   one delivered batch: {"messages":[envelope, ...]}; <seq> is
//                                   20 digits of wall-clock microseconds, kept increasing by
//                                   the one sender of the channel, so key order = send order
//   <channel>.lease                 {"holder","key","until_ms"}: the receiver holding the oldest
//                                   batch; others leave that batch alone until until_ms
// A batch object is deleted once every message in it is acked. Acks of part of a batch live
// in the receiver's memory: after a crash those messages come again (at-least-once; the
// inbox drops them, transport/durable.hpp).
#include <lab/transport/s3.hpp>

#include "pump.hpp"

#include <lab/sys/clock.hpp>
#include <lab/transport/durable.hpp>

#include <nlohmann/json.hpp>

#include <condition_variable>
#include <cstdio>
#include <deque>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <sstream>

namespace lab::transport {
namespace {

using detail::Pump;

// A batch object the receiver has read: the ids it holds and those already acked.
struct HeldBatch {
  std::set<std::string> ids;
  std::set<std::string> acked;
  std::int64_t leased_until_ms = 0;  // wall clock; our lease on it
};

// A receiving side's state for one channel.
struct ChannelState {
  std::mutex receive_mu;               // one receive of this channel at a time
  std::mutex mu;                       // guards the fields below
  std::deque<Envelope> buffer;         // read from the oldest batch, not yet handed out
  std::int64_t buffer_valid_until = 0;  // steady ms
  std::map<std::string, HeldBatch> batches;  // key -> what we hold of it
  std::map<std::string, std::string> batch_of;  // message id -> batch key
  std::uint64_t last_seq = 0;          // sending side: the last sequence number used
};

std::string random_hex(int bytes) {
  std::random_device rd;
  std::string out;
  char buf[3];
  for (int i = 0; i < bytes; ++i) {
    std::snprintf(buf, sizeof buf, "%02x", static_cast<unsigned>(rd() & 0xff));
    out += buf;
  }
  return out;
}

class S3Transport final : public Transport {
 public:
  explicit S3Transport(Options o)
      : o_(std::move(o)), clock_(o_.clock ? *o_.clock : sys::real_clock()), holder_(random_hex(8)) {
    if (!o_.log) o_.log = [](std::string_view line) { std::cerr << "lab transport: " << line << "\n"; };
    for (auto c : known_channels()) channels_.try_emplace(std::string(c));
  }

  ~S3Transport() override {
    {
      std::lock_guard lock(stop_mu_);
      stopping_ = true;
    }
    stop_cv_.notify_all();
    pump_.reset();
  }

  Result<void> start() {
    s3::S3Options so = o_.s3;
    so.prefix += "messages/";
    auto client = s3::Client::create(so, o_.s3_tuning);
    if (!client) return std::unexpected(client.error());
    client_ = std::move(*client);
    // Wrong credentials or a missing bucket stop the role now; a store that is down only
    // delays delivery, as a peer that is down does for http.
    if (auto probe = client_->list_page("", {}, 1); !probe) {
      if (probe.error().code != Errc::unavailable && probe.error().code != Errc::timeout) return with_hint(probe.error());
      if (probe.error().message.find("does not exist") != std::string::npos) return with_hint(probe.error());
      o_.log("the message bucket does not answer yet (" + probe.error().message + "); retrying");
    }
    auto db = ledger::Db::open(o_.db_path);
    if (!db) return std::unexpected(db.error());
    if (auto s = ensure_schema(**db); !s) return s;
    outbox_ = std::make_unique<detail::Outbox>(std::move(*db));
    auto pump_db = ledger::Db::open(o_.db_path);
    if (!pump_db) return std::unexpected(pump_db.error());
    pump_ = std::make_unique<Pump>(
        std::move(*pump_db),
        [this](std::string_view channel, const std::vector<std::string>& texts) { return deliver(channel, texts); },
        o_.log);
    return {};
  }

  Result<std::string> send(std::string_view channel, const Envelope& message) override {
    auto id = outbox_->add(channel, message);
    if (id) pump_->notify();
    return id;
  }

  Result<std::optional<Envelope>> receive_held(std::string_view channel) override {
    if (auto c = check_channel(channel); !c) return std::unexpected(c.error());
    auto& st = channels_.at(std::string(channel));
    std::lock_guard receive_lock(st.receive_mu);
    std::lock_guard lock(st.mu);
    if (st.buffer.empty() || clock_.steady_ms() >= st.buffer_valid_until) return std::optional<Envelope>();
    return pop(st);
  }

  Result<std::optional<Envelope>> receive(std::string_view channel, std::chrono::milliseconds timeout) override {
    if (auto c = check_channel(channel); !c) return std::unexpected(c.error());
    timeout = std::clamp(timeout, std::chrono::milliseconds(0), kMaxReceiveWait);
    auto& st = channels_.at(std::string(channel));
    std::lock_guard receive_lock(st.receive_mu);
    {
      std::lock_guard lock(st.mu);
      if (!st.buffer.empty() && clock_.steady_ms() < st.buffer_valid_until) return pop(st);
      st.buffer.clear();  // a lapsed lease: the batch is read again
    }
    const std::int64_t deadline = clock_.steady_ms() + timeout.count();
    for (;;) {
      auto got = fetch_oldest(st, channel);
      if (!got) return std::unexpected(got.error());
      if (*got) {
        std::lock_guard lock(st.mu);
        return pop(st);
      }
      std::int64_t left = deadline - clock_.steady_ms();
      if (left <= 0 || !pause(std::min<std::int64_t>(left, o_.poll_interval.count())))
        return std::optional<Envelope>();
    }
  }

  Result<void> ack(std::string_view channel, std::string_view id) override {
    if (auto c = check_channel(channel); !c) return std::unexpected(c.error());
    auto& st = channels_.at(std::string(channel));
    std::string key;
    {
      std::lock_guard lock(st.mu);
      auto it = st.batch_of.find(std::string(id));
      if (it == st.batch_of.end()) return {};  // unknown or already acked
      key = it->second;
      auto& b = st.batches[key];
      b.acked.insert(std::string(id));
      if (b.acked.size() < b.ids.size()) return {};
    }
    return finish_batch(st, key);
  }

  Result<std::vector<Envelope>> list_pending(std::string_view channel) override {
    if (auto c = check_channel(channel); !c) return std::unexpected(c.error());
    auto& st = channels_.at(std::string(channel));
    auto keys = client_->list(std::string(channel) + "/");
    if (!keys) return with_hint(keys.error());
    std::vector<Envelope> out;
    for (const auto& k : *keys) {
      auto batch = read_batch(k.key);
      if (!batch) {
        if (batch.error().code == Errc::not_found) continue;  // acked meanwhile
        return std::unexpected(batch.error());
      }
      std::lock_guard lock(st.mu);
      auto held = st.batches.find(k.key);
      for (auto& e : *batch)
        if (held == st.batches.end() || !held->second.acked.contains(e.id)) out.push_back(std::move(e));
    }
    return out;
  }

  void notify_outbox() override { pump_->notify(); }

  Result<std::int64_t> outbox_depth(std::string_view channel) override {
    return outbox_->depth(channel);
  }

  std::string listen_url() const override { return ""; }

 private:
  std::unexpected<Error> with_hint(Error e) const {
    if (!o_.peer_hint.empty() && (e.code == Errc::unavailable || e.code == Errc::timeout))
      e.message += " (messages go through this bucket; " + o_.peer_hint + ")";
    return std::unexpected(std::move(e));
  }

  // Waits `ms` unless the transport is being destroyed (then false).
  bool pause(std::int64_t ms) {
    std::unique_lock lock(stop_mu_);
    return !stop_cv_.wait_for(lock, std::chrono::milliseconds(ms), [&] { return stopping_; });
  }

  static Result<std::optional<Envelope>> pop(ChannelState& st) {
    Envelope e = std::move(st.buffer.front());
    st.buffer.pop_front();
    return std::optional<Envelope>(std::move(e));
  }

  // One batch object per delivery: the pump's texts (in order) as one JSON document.
  Result<void> deliver(std::string_view channel, const std::vector<std::string>& texts) {
    auto& st = channels_.at(std::string(channel));
    std::uint64_t seq;
    {
      std::lock_guard lock(st.mu);
      seq = std::max<std::uint64_t>(static_cast<std::uint64_t>(clock_.now_ms()) * 1000, st.last_seq + 1);
      st.last_seq = seq;
    }
    char digits[32];
    std::snprintf(digits, sizeof digits, "%020llu", static_cast<unsigned long long>(seq));
    std::string body = "{\"messages\":[";
    for (std::size_t i = 0; i < texts.size(); ++i) body += (i ? "," : "") + texts[i];
    body += "]}";
    std::istringstream in(body);
    auto r = client_->put_stream(std::string(channel) + "/" + digits + "-" + holder_ + ".json", in, body.size());
    if (!r) return with_hint(r.error());
    return {};
  }

  Result<std::vector<Envelope>> read_batch(const std::string& key) {
    std::string body;
    auto got = client_->get(key, [&](const char* d, std::size_t n) {
      body.append(d, n);
      return body.size() <= kMaxBatchBytes;
    });
    if (!got) return with_hint(got.error());
    auto j = nlohmann::json::parse(body, nullptr, false);
    if (!j.is_object() || !j.contains("messages") || !j["messages"].is_array())
      return fail(Errc::corrupt, "message batch '" + key + "' in the bucket is not the expected JSON");
    std::vector<Envelope> out;
    for (const auto& m : j["messages"]) {
      auto e = proto::envelope_from_json(m);
      if (!e) return fail(Errc::corrupt, "message batch '" + key + "' holds a bad envelope: " + e.error().message);
      out.push_back(std::move(*e));
    }
    return out;
  }

  // Reads the channel's oldest batch into the buffer unless another receiver holds it or we
  // handed it out and its lease still runs. true = the buffer has messages.
  Result<bool> fetch_oldest(ChannelState& st, std::string_view channel) {
    const std::string dir = std::string(channel) + "/";
    for (;;) {
      auto page = client_->list_page(dir, {}, 1);
      if (!page) return with_hint(page.error());
      if (page->objects.empty()) return false;
      const std::string key = page->objects.front().key;
      const std::int64_t now = clock_.now_ms();
      bool all_acked = false;
      {
        std::lock_guard lock(st.mu);
        auto held = st.batches.find(key);
        if (held != st.batches.end()) {
          // Every message acked but the delete failed earlier: finish it below.
          all_acked = !held->second.ids.empty() && held->second.acked.size() >= held->second.ids.size();
          if (!all_acked && held->second.leased_until_ms > now) return false;  // handed out, awaiting acks
        }
      }
      if (!all_acked) {
        auto lease = read_lease(channel);
        if (!lease) return std::unexpected(lease.error());
        if (lease->key == key && lease->holder != holder_ && lease->until_ms > now) return false;
        auto batch = read_batch(key);
        if (!batch) {
          if (batch.error().code == Errc::not_found) continue;  // acked by another receiver meanwhile
          return std::unexpected(batch.error());
        }
        const std::int64_t until = clock_.now_ms() + o_.visibility_timeout.count();
        if (auto w = write_lease(channel, key, until); !w) return std::unexpected(w.error());
        std::lock_guard lock(st.mu);
        auto& held = st.batches[key];
        held.leased_until_ms = until;
        st.buffer.clear();
        for (auto& e : *batch) {
          held.ids.insert(e.id);
          if (held.acked.contains(e.id)) continue;
          st.batch_of[e.id] = key;
          st.buffer.push_back(std::move(e));
        }
        if (!st.buffer.empty()) {
          // Hand out buffered messages only well inside their lease.
          st.buffer_valid_until = clock_.steady_ms() + o_.visibility_timeout.count() * 8 / 10;
          return true;
        }
      }
      if (auto f = finish_batch(st, key); !f) return std::unexpected(f.error());
    }
  }

  // Deletes a batch whose messages are all acked, and forgets it.
  Result<void> finish_batch(ChannelState& st, const std::string& key) {
    auto r = client_->remove(key);
    if (!r) return with_hint(r.error());
    std::lock_guard lock(st.mu);
    auto it = st.batches.find(key);
    if (it != st.batches.end()) {
      for (const auto& id : it->second.ids) st.batch_of.erase(id);
      st.batches.erase(it);
    }
    return {};
  }

  struct Lease {
    std::string holder, key;
    std::int64_t until_ms = 0;
  };

  Result<Lease> read_lease(std::string_view channel) {
    std::string body;
    auto got = client_->get(std::string(channel) + ".lease", [&](const char* d, std::size_t n) {
      body.append(d, n);
      return body.size() < 4096;
    });
    if (!got) {
      if (got.error().code == Errc::not_found) return Lease{};
      return with_hint(got.error());
    }
    auto j = nlohmann::json::parse(body, nullptr, false);
    if (!j.is_object()) return Lease{};  // unreadable: treat as no lease (it only delays)
    return Lease{j.value("holder", ""), j.value("key", ""), j.value("until_ms", std::int64_t{0})};
  }

  Result<void> write_lease(std::string_view channel, const std::string& key, std::int64_t until_ms) {
    std::string body = nlohmann::json{{"holder", holder_}, {"key", key}, {"until_ms", until_ms}}.dump();
    std::istringstream in(body);
    auto r = client_->put_stream(std::string(channel) + ".lease", in, body.size());
    if (!r) return with_hint(r.error());
    return {};
  }

  static constexpr std::size_t kMaxBatchBytes = 16u << 20;

  Options o_;
  sys::Clock& clock_;
  const std::string holder_;  // this instance, in keys and leases
  std::unique_ptr<s3::Client> client_;
  std::unique_ptr<detail::Outbox> outbox_;  // for send and outbox_depth
  std::unique_ptr<Pump> pump_;
  std::map<std::string, ChannelState> channels_;  // fixed after construction
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;  // guarded by stop_mu_
};

}  // namespace

Result<std::unique_ptr<Transport>> make_s3_transport(const Options& options) {
  auto t = std::make_unique<S3Transport>(options);
  if (auto r = t->start(); !r) return std::unexpected(r.error());
  return std::unique_ptr<Transport>(std::move(t));
}

}  // namespace lab::transport
