// The transport's durable tables, for the application's own transactions:
// - the outbox: write a state change and the message it causes in ONE transaction
//   (`enqueue` inside `Db::transaction`, then `Transport::notify_outbox`);
// - the inbox: exactly-once processing = at-least-once delivery + this dedup, recorded in
//   the same transaction as the processing (`already_processed`, `mark_processed`), then ack.
// Tables live under the migration component "transport" (docs/transport.md, "Storage").
#pragma once

#include <lab/ledger/db.hpp>
#include <lab/proto/envelope.hpp>
#include <lab/result.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace lab::transport {

// Creates or upgrades the transport's tables in `db`. Idempotent.
Result<void> ensure_schema(ledger::Db& db);

// Adds `message` to the outbox of `channel`, in the caller's transaction if one is open.
// Fails with Errc::invalid_argument for an unknown channel, a bad id, or a message larger
// than kMaxMessageBytes. Returns the message id. Call Transport::notify_outbox after commit
// to send at once (otherwise the delivery thread finds it within its poll interval).
Result<std::string> enqueue(ledger::Db& tx, std::string_view channel, const proto::Envelope& message);

// Messages of `channel` in this db's outbox.
Result<std::int64_t> outbox_count(ledger::Db& db, std::string_view channel);

// True if message `id` was already processed here (recorded by `mark_processed`).
Result<bool> already_processed(ledger::Db& db, std::string_view id);

// Records message `id` as processed. Call inside the transaction that applies the message,
// so that either both happen or neither. Recording an id twice is harmless.
Result<void> mark_processed(ledger::Db& tx, std::string_view id, std::string_view channel,
                            std::int64_t now_ms);

}  // namespace lab::transport
