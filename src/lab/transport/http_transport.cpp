// The http backend: a listening side (mailbox + HTTP server) or a connecting side (HTTP
// client with a per-channel receive buffer); both send through the durable outbox.
#include <lab/transport/http.hpp>

#include "http_routes.hpp"
#include "mailbox.hpp"
#include "pump.hpp"

#include <lab/net/client.hpp>
#include <lab/net/server.hpp>
#include <lab/sys/clock.hpp>
#include <lab/transport/durable.hpp>

#include <nlohmann/json.hpp>

#include <deque>
#include <iostream>
#include <map>

namespace lab::transport {
namespace {

using detail::Mailbox;
using detail::Pump;

// How many messages one network receive asks for; they are handed out one by one.
constexpr int kReceiveBatch = 100;
// Extra read time on top of a long-poll's wait before the client gives up on the answer.
constexpr std::chrono::milliseconds kLongPollSlack{5000};
// How long the destructor tries to hand deferred acks to the listener.
constexpr std::chrono::milliseconds kFinalAckTimeout{1000};

// A connecting side's state for one channel.
struct ChannelState {
  std::mutex receive_mu;  // one network receive of this channel at a time
  std::mutex mu;          // guards the fields below
  std::deque<Envelope> buffer;         // received from the listener, not yet handed out
  std::int64_t buffer_valid_until = 0;  // steady ms; after it the lease has lapsed
  std::vector<std::string> deferred_acks;  // acked by the application, not yet told to the listener
};

class HttpTransport final : public Transport {
 public:
  explicit HttpTransport(Options o) : o_(std::move(o)), clock_(o_.clock ? *o_.clock : sys::real_clock()) {
    if (!o_.log) o_.log = [](std::string_view line) { std::cerr << "lab transport: " << line << "\n"; };
    for (auto c : known_channels()) channels_.try_emplace(std::string(c));
  }

  ~HttpTransport() override {
    pump_.reset();  // stop delivering first: it may write into the mailbox
    flush_acks();   // deferred acks, while the mailbox is still open
    if (mailbox_) mailbox_->close();
    if (server_) server_->stop();
  }

  Result<void> start() {
    if (o_.token.empty()) return fail(Errc::invalid_argument, "the transport needs a token (transport.token); set the same one on both sides");
    auto db = ledger::Db::open(o_.db_path);
    if (!db) return std::unexpected(db.error());
    if (auto s = ensure_schema(**db); !s) return s;
    outbox_ = std::make_unique<detail::Outbox>(std::move(*db));
    detail::Deliver deliver;
    if (o_.listen) {
      auto mb = Mailbox::open(o_.db_path, clock_, o_.visibility_timeout);
      if (!mb) return std::unexpected(mb.error());
      mailbox_ = std::move(*mb);
      net::ServerOptions so;
      so.host = o_.listen_host;
      so.port = o_.listen_port;
      so.token = o_.token;
      so.tls_cert = o_.tls_cert;
      so.tls_key = o_.tls_key;
      so.max_body_bytes = o_.max_body_bytes;
      auto server = net::Server::create(so);
      if (!server) return std::unexpected(server.error());
      server_ = std::move(*server);
      detail::add_mailbox_routes(*server_, *mailbox_);
      if (auto p = server_->start(); !p) return std::unexpected(p.error());
      deliver = [mb = mailbox_.get()](std::string_view channel, const std::vector<std::string>& texts) -> Result<void> {
        std::vector<Envelope> envs;
        for (const auto& t : texts) {
          auto e = proto::parse_envelope(t);
          if (!e) return std::unexpected(e.error());
          envs.push_back(std::move(*e));
        }
        auto r = mb->put(channel, envs);
        if (!r) return std::unexpected(r.error());
        return {};
      };
    } else {
      auto c = make_client();  // fail early on a bad URL
      if (!c) return std::unexpected(c.error());
      auto pump_client = std::shared_ptr<net::Client>(std::move(*c));
      deliver = [pump_client](std::string_view channel, const std::vector<std::string>& texts) -> Result<void> {
        std::string body = "{\"messages\":[";
        for (std::size_t i = 0; i < texts.size(); ++i) body += (i ? "," : "") + texts[i];
        body += "]}";
        auto r = pump_client->post("/v1/channels/" + std::string(channel) + "/messages", body);
        if (!r) return std::unexpected(r.error());
        if (r->status == 200) return {};
        Errc code = r->status == 413 ? Errc::invalid_argument
                    : r->status == 401 ? Errc::unauthenticated
                                       : Errc::unavailable;
        return fail(code, pump_client->url() + " refused the messages (HTTP " + std::to_string(r->status) + "): " +
                              net::error_text(*r));
      };
    }
    auto pump_db = ledger::Db::open(o_.db_path);
    if (!pump_db) return std::unexpected(pump_db.error());
    pump_ = std::make_unique<Pump>(std::move(*pump_db), std::move(deliver), o_.log);
    return {};
  }

  Result<std::string> send(std::string_view channel, const Envelope& message) override {
    auto id = outbox_->add(channel, message);
    if (id) pump_->notify();
    return id;
  }

  Result<std::optional<Envelope>> receive(std::string_view channel, std::chrono::milliseconds timeout) override {
    if (auto c = check_channel(channel); !c) return std::unexpected(c.error());
    timeout = std::clamp(timeout, std::chrono::milliseconds(0), kMaxReceiveWait);
    return receive_buffered(channels_.at(std::string(channel)), channel, timeout);
  }

  Result<std::optional<Envelope>> receive_held(std::string_view channel) override {
    if (auto c = check_channel(channel); !c) return std::unexpected(c.error());
    auto& st = channels_.at(std::string(channel));
    std::lock_guard receive_lock(st.receive_mu);
    std::lock_guard lock(st.mu);
    if (st.buffer.empty() || steady_ms() >= st.buffer_valid_until) return std::optional<Envelope>();
    Envelope e = std::move(st.buffer.front());
    st.buffer.pop_front();
    return std::optional<Envelope>(std::move(e));
  }

  // Acks are deferred while more of the received batch is buffered, and travel with the
  // next take (one commit per batch instead of one per message); the last ack of a batch is
  // committed at once. A crash in between only means a redelivery, which the inbox drops.
  Result<void> ack(std::string_view channel, std::string_view id) override {
    if (auto c = check_channel(channel); !c) return std::unexpected(c.error());
    auto& st = channels_.at(std::string(channel));
    std::vector<std::string> ids;
    {
      std::lock_guard lock(st.mu);
      st.deferred_acks.emplace_back(id);
      if (!st.buffer.empty()) return {};
      ids.swap(st.deferred_acks);
    }
    auto r = commit_acks(channel, ids, {});
    if (!r) {
      std::lock_guard lock(st.mu);
      st.deferred_acks.insert(st.deferred_acks.end(), ids.begin(), ids.end());
      return std::unexpected(r.error());
    }
    return {};
  }

  Result<std::vector<Envelope>> list_pending(std::string_view channel) override {
    if (auto c = check_channel(channel); !c) return std::unexpected(c.error());
    std::vector<detail::Stored> stored;
    if (mailbox_) {
      auto got = mailbox_->pending(channel);
      if (!got) return std::unexpected(got.error());
      stored = std::move(*got);
    } else {
      auto c = acquire();
      if (!c) return std::unexpected(c.error());
      auto r = (*c)->get("/v1/channels/" + std::string(channel) + "/pending");
      release(std::move(*c));
      if (!r) return std::unexpected(r.error());
      if (r->status != 200) return http_failure(*r);
      auto j = nlohmann::json::parse(r->body, nullptr, false);
      if (!j.is_object() || !j.contains("messages") || !j["messages"].is_array())
        return fail(Errc::corrupt, "the listener's pending list is not the expected JSON");
      std::vector<Envelope> out;
      for (const auto& m : j["messages"]) {
        auto e = proto::envelope_from_json(m);
        if (!e) return fail(Errc::corrupt, "the listener sent a bad envelope: " + e.error().message);
        out.push_back(std::move(*e));
      }
      return out;
    }
    std::vector<Envelope> out;
    for (const auto& s : stored) {
      auto e = parse_stored(s);
      if (!e) return std::unexpected(e.error());
      out.push_back(std::move(**e));
    }
    return out;
  }

  void notify_outbox() override { pump_->notify(); }

  Result<std::int64_t> outbox_depth(std::string_view channel) override {
    return outbox_->depth(channel);
  }

  std::string listen_url() const override { return server_ ? server_->url() : ""; }

 private:
  static Result<std::optional<Envelope>> parse_stored(const detail::Stored& s) {
    auto e = proto::parse_envelope(s.json);
    if (!e) return fail(Errc::corrupt, "stored message " + s.id + " is damaged: " + e.error().message);
    return std::optional<Envelope>(std::move(*e));
  }

  std::int64_t steady_ms() const { return clock_.steady_ms(); }

  // One batch of messages from the mailbox, in process or over HTTP: the envelopes and the
  // visibility timeout they were leased for (ms). `acks` are committed first.
  struct Batch {
    std::deque<Envelope> messages;
    std::int64_t visibility_ms = 0;
  };

  Result<Batch> fetch(std::string_view channel, std::chrono::milliseconds timeout, const std::vector<std::string>& acks) {
    Batch b;
    if (mailbox_) {
      auto got = mailbox_->take(channel, timeout, kReceiveBatch, acks);
      if (!got) return std::unexpected(got.error());
      for (const auto& stored : *got) {
        auto e = parse_stored(stored);
        if (!e) return std::unexpected(e.error());
        b.messages.push_back(std::move(**e));
      }
      b.visibility_ms = mailbox_->visibility().count();
      return b;
    }
    nlohmann::json req = {{"wait_ms", timeout.count()}, {"max", kReceiveBatch}, {"ack", acks}};
    auto r = post_json("/v1/channels/" + std::string(channel) + "/receive", req.dump(), timeout + kLongPollSlack);
    if (!r) return std::unexpected(r.error());
    auto j = nlohmann::json::parse(*r, nullptr, false);
    if (!j.is_object() || !j.contains("messages") || !j["messages"].is_array())
      return fail(Errc::corrupt, "the listener's answer to receive is not the expected JSON");
    for (const auto& m : j["messages"]) {
      auto e = proto::envelope_from_json(m);
      if (!e) return fail(Errc::corrupt, "the listener sent a bad envelope: " + e.error().message);
      b.messages.push_back(std::move(*e));
    }
    b.visibility_ms = j.value("visibility_timeout_ms", std::int64_t{0});
    return b;
  }

  Result<void> commit_acks(std::string_view channel, const std::vector<std::string>& ids,
                           std::optional<std::chrono::milliseconds> timeout) {
    if (ids.empty()) return {};
    if (mailbox_) {
      auto n = mailbox_->ack(channel, ids);
      if (!n) return std::unexpected(n.error());
      return {};
    }
    auto r = post_json("/v1/channels/" + std::string(channel) + "/ack", nlohmann::json{{"ids", ids}}.dump(), timeout);
    if (!r) return std::unexpected(r.error());
    return {};
  }

  // Hands out the next buffered message while its lease is fresh; otherwise fetches a batch
  // (sending the deferred acks with it) and hands out its first message.
  Result<std::optional<Envelope>> receive_buffered(ChannelState& st, std::string_view channel,
                                                   std::chrono::milliseconds timeout) {
    std::lock_guard receive_lock(st.receive_mu);
    std::vector<std::string> acks;
    {
      std::lock_guard lock(st.mu);
      if (!st.buffer.empty() && steady_ms() < st.buffer_valid_until) {
        Envelope e = std::move(st.buffer.front());
        st.buffer.pop_front();
        return std::optional<Envelope>(std::move(e));
      }
      st.buffer.clear();  // a lapsed lease: the mailbox will deliver these again
      acks.swap(st.deferred_acks);
    }
    const auto asked_at = steady_ms();
    auto got = fetch(channel, timeout, acks);
    if (!got) {
      std::lock_guard lock(st.mu);
      st.deferred_acks.insert(st.deferred_acks.end(), acks.begin(), acks.end());
      return std::unexpected(got.error());
    }
    std::lock_guard lock(st.mu);
    if (got->messages.empty()) return std::optional<Envelope>();
    Envelope first = std::move(got->messages.front());
    got->messages.pop_front();
    st.buffer = std::move(got->messages);
    // Hand out buffered messages only well inside their lease.
    st.buffer_valid_until = asked_at + got->visibility_ms * 8 / 10;
    return std::optional<Envelope>(std::move(first));
  }

  // Sends any deferred acks (best effort, on shutdown).
  void flush_acks() {
    for (auto& [name, st] : channels_) {
      std::vector<std::string> ids;
      {
        std::lock_guard lock(st.mu);
        ids.swap(st.deferred_acks);
      }
      (void)commit_acks(name, ids, kFinalAckTimeout);
    }
  }

  Result<std::unique_ptr<net::Client>> make_client() {
    net::ClientOptions co;
    co.url = o_.url;
    co.token = o_.token;
    co.ca_file = o_.tls_ca_file;
    co.ca_dir = o_.tls_ca_dir;
    co.peer_hint = o_.peer_hint;
    return net::Client::create(co);
  }

  Result<std::unique_ptr<net::Client>> acquire() {
    {
      std::lock_guard lock(pool_mu_);
      if (!pool_.empty()) {
        auto c = std::move(pool_.back());
        pool_.pop_back();
        return c;
      }
    }
    return make_client();
  }

  void release(std::unique_ptr<net::Client> c) {
    std::lock_guard lock(pool_mu_);
    pool_.push_back(std::move(c));
  }

  static std::unexpected<Error> http_failure(const net::HttpResponse& r) {
    Errc code = r.status == 401 ? Errc::unauthenticated
                : r.status == 400 || r.status == 404 ? Errc::invalid_argument
                                                      : Errc::unavailable;
    return fail(code, "the listener answered HTTP " + std::to_string(r.status) + ": " + net::error_text(r));
  }

  // POSTs `body`; the answer's body on HTTP 200, else an error.
  Result<std::string> post_json(const std::string& path, const std::string& body,
                                std::optional<std::chrono::milliseconds> read_timeout) {
    auto c = acquire();
    if (!c) return std::unexpected(c.error());
    auto r = (*c)->post(path, body, read_timeout);
    release(std::move(*c));
    if (!r) return std::unexpected(r.error());
    if (r->status != 200) return http_failure(*r);
    return std::move(r->body);
  }

  Options o_;
  sys::Clock& clock_;
  std::unique_ptr<detail::Outbox> outbox_;  // for send and outbox_depth
  std::unique_ptr<Mailbox> mailbox_;  // listening side only
  std::unique_ptr<net::Server> server_;  // listening side only
  std::unique_ptr<Pump> pump_;
  std::mutex pool_mu_;
  std::vector<std::unique_ptr<net::Client>> pool_;  // guarded by pool_mu_; idle connections
  std::map<std::string, ChannelState> channels_;    // fixed after construction
};

}  // namespace

Result<std::unique_ptr<Transport>> make_http_transport(const Options& options) {
  if (!options.listen && options.url.empty())
    return fail(Errc::invalid_argument, "the transport does not listen, so it needs the listener's url (transport.url)");
  auto t = std::make_unique<HttpTransport>(options);
  if (auto r = t->start(); !r) return std::unexpected(r.error());
  return std::unique_ptr<Transport>(std::move(t));
}

}  // namespace lab::transport
