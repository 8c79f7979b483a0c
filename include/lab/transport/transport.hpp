// The control-plane transport: send / receive / ack / list_pending on named channels, with
// at-least-once delivery, order per channel, and a durable outbox on the sending side.
// The full contract and the HTTP wire protocol are in docs/transport.md.
#pragma once

#include <lab/proto/envelope.hpp>
#include <lab/result.hpp>
#include <lab/s3/client.hpp>
#include <lab/s3/options.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace lab::sys {
class Clock;
}

namespace lab::transport {

using proto::Envelope;

// Proxy -> remote.
inline constexpr std::string_view kToRemote = "to_remote";
// Remote -> proxy.
inline constexpr std::string_view kToLocal = "to_local";

// Every channel name this binary knows.
std::span<const std::string_view> known_channels();
// Fails with Errc::invalid_argument ("unknown channel 'x' (did you mean 'to_local'?)").
Result<void> check_channel(std::string_view channel);

// How long a received message stays invisible to other receivers before it is delivered
// again, unless acked first.
inline constexpr std::chrono::milliseconds kDefaultVisibilityTimeout{30000};
// The longest a single receive may wait.
inline constexpr std::chrono::milliseconds kMaxReceiveWait{60000};
// Largest serialized envelope accepted by send/enqueue.
inline constexpr std::size_t kMaxMessageBytes = 1u << 20;

// Thread-safety: all methods may be called from any thread, concurrently.
class Transport {
 public:
  virtual ~Transport() = default;

  // Queues `message` in the durable outbox (committed before this returns) and wakes the
  // delivery thread. Returns the message id. Delivery happens later, in order per channel,
  // retried until the peer confirms; a peer that is down only delays it.
  virtual Result<std::string> send(std::string_view channel, const Envelope& message) = 0;

  // Waits up to `timeout` for the next message of `channel`. nullopt = nothing arrived in
  // time (not an error). A returned message must be acked once processed; otherwise it is
  // delivered again after the visibility timeout. Messages come in channel order; the next
  // one is not handed out while an earlier one is unacked and still invisible.
  virtual Result<std::optional<Envelope>> receive(std::string_view channel, std::chrono::milliseconds timeout) = 0;

  // The next message of `channel` this side already holds (received in one batch with an
  // earlier one, its lease still fresh), without waiting and without asking the peer; nullopt
  // when none is held. Same order and ack rules as `receive`. Lets a consumer apply a burst
  // in one transaction. A backend that holds nothing locally keeps this default.
  virtual Result<std::optional<Envelope>> receive_held(std::string_view channel) {
    (void)channel;
    return std::optional<Envelope>();
  }

  // Confirms message `id` of `channel` was processed; it will not be delivered again.
  // Acking an unknown or already-acked id succeeds.
  virtual Result<void> ack(std::string_view channel, std::string_view id) = 0;

  // Messages of `channel` held by the mailbox and not yet acked (delivered or not), oldest first.
  virtual Result<std::vector<Envelope>> list_pending(std::string_view channel) = 0;

  // Wakes the delivery thread after a caller committed `enqueue` in its own transaction.
  virtual void notify_outbox() = 0;

  // Messages of `channel` still in the local outbox (not yet confirmed by the mailbox).
  virtual Result<std::int64_t> outbox_depth(std::string_view channel) = 0;

  // The listening address ("http://127.0.0.1:8801"), or "" if this side does not listen.
  virtual std::string listen_url() const = 0;
};

// Configuration of a transport; `type` picks the backend ("http" or "s3").
struct Options {
  std::string type = "http";
  // true: this side serves the mailbox (the remote, by default); false: it connects to `url`.
  bool listen = false;
  std::string listen_host = "127.0.0.1";
  int listen_port = 0;          // 0 = any free port (see listen_url)
  std::string url;              // the listening side, when listen = false
  std::string token;            // shared bearer token; required
  std::string tls_cert;         // listening side: PEM certificate + key turn on HTTPS
  std::string tls_key;
  std::string tls_ca_file;      // connecting side: trust this CA (else the system store)
  std::string tls_ca_dir;
  std::chrono::milliseconds visibility_timeout = kDefaultVisibilityTimeout;
  std::size_t max_body_bytes = 8u << 20;
  // The SQLite file holding the outbox (and, when listening, the mailbox). The transport
  // opens its own connections to it; the application may share the file.
  std::filesystem::path db_path;
  sys::Clock* clock = nullptr;  // nullptr = the real clock
  // Where warnings go ("peer down, retrying"); nullptr = standard error.
  std::function<void(std::string_view)> log;
  // Appended to "cannot reach" errors, e.g. "is `lab remote` running?".
  std::string peer_hint;
  // s3: the bucket both sides share (credentials filled); messages live under its prefix +
  // "messages/" (docs/transport.md, "The s3 backend"). `listen`, `url`, `token` and TLS do
  // not apply: the bucket's credentials are the authentication.
  s3::S3Options s3;
  s3::Tuning s3_tuning;
  // s3: how often a receiver lists its channel while nothing is there.
  std::chrono::milliseconds poll_interval{1000};
};

// Builds the backend named by `options.type` ("http"). Fails with Errc::invalid_argument for
// an unknown type or bad options, or with the backend's error (e.g. the port is in use).
Result<std::unique_ptr<Transport>> make_transport(const Options& options);

}  // namespace lab::transport
