// The receiving loop's one step, done right: receive, drop duplicates, decode, apply in a
// transaction together with the dedup record, then ack. Unknown types are logged and acked.
#pragma once

#include <lab/ledger/db.hpp>
#include <lab/proto/messages.hpp>
#include <lab/transport/transport.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <string_view>
#include <vector>

namespace lab::transport {

// What `process_next` did.
enum class Outcome {
  timed_out,     // nothing arrived within the timeout
  processed,     // the handler applied it; recorded and acked
  duplicate,     // already processed before (a redelivery); acked without calling the handler
  unknown_type,  // a type this binary does not know; logged and acked
  invalid,       // a known type with a malformed body; logged and acked (it can never succeed)
};

// Applies one message inside the open transaction `tx`. A failure rolls the transaction
// back and leaves the message unacked, so it is delivered again later.
using MessageHandler = std::function<Result<void>(const proto::Message&, const proto::Envelope&, ledger::Db& tx)>;

// Receives at most one message of `channel` and processes it exactly once against `db`.
// Fails if the transport or the db fails, or the handler fails (message left unacked).
Result<Outcome> process_next(Transport& transport, ledger::Db& db, std::string_view channel,
                             std::chrono::milliseconds timeout, const MessageHandler& handler,
                             const std::function<void(std::string_view)>& log = nullptr);

// How many messages `process_batch` applies in one transaction at most.
inline constexpr std::size_t kMaxBatch = 64;

// Like `process_next`, for a burst: waits up to `timeout` for one message, then takes the
// messages the transport already holds (`receive_held`, up to `kMaxBatch` in all) and applies
// them all in ONE transaction, each recorded in the inbox with its effect, then acks them.
// Duplicates are skipped inside the transaction; unknown types and malformed bodies are
// logged and recorded as for `process_next`. If the transaction fails, each message is
// processed again in its own transaction, so one failing message holds back none of the
// others; the first failure is then returned, its message left unacked.
// `settled(committed)` is called after every transaction: true = what the handler gathered
// since the last call is committed (act on it), false = it was rolled back (forget it).
// Returns the outcome of each message applied, in order (empty = nothing arrived in time).
Result<std::vector<Outcome>> process_batch(Transport& transport, ledger::Db& db, std::string_view channel,
                                           std::chrono::milliseconds timeout, const MessageHandler& handler,
                                           const std::function<void(bool committed)>& settled,
                                           const std::function<void(std::string_view)>& log = nullptr);

}  // namespace lab::transport
