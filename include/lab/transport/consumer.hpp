// The receiving loop's one step, done right: receive, drop duplicates, decode, apply in a
// transaction together with the dedup record, then ack. Unknown types are logged and acked.
#pragma once

#include <lab/ledger/db.hpp>
#include <lab/proto/messages.hpp>
#include <lab/transport/transport.hpp>

#include <chrono>
#include <functional>
#include <string_view>

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

}  // namespace lab::transport
