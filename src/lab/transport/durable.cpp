#include <lab/transport/durable.hpp>
#include <lab/transport/transport.hpp>

#include <array>

namespace lab::transport {
namespace {

// The transport's tables, under migration component "transport" (docs/transport.md).
constexpr std::array<ledger::Migration, 1> kMigrations = {{
    {1,
     "CREATE TABLE transport_outbox ("
     "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
     "  channel TEXT NOT NULL,"
     "  id TEXT NOT NULL UNIQUE,"
     "  envelope TEXT NOT NULL,"
     "  created_at_ms INTEGER NOT NULL);"
     "CREATE INDEX transport_outbox_by_channel ON transport_outbox(channel, seq);"
     "CREATE TABLE transport_mailbox ("
     "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
     "  channel TEXT NOT NULL,"
     "  id TEXT NOT NULL UNIQUE,"
     "  envelope TEXT NOT NULL,"
     "  state INTEGER NOT NULL DEFAULT 0,"  // 0 ready, 1 delivered, 2 acked
     "  deadline_ms INTEGER NOT NULL DEFAULT 0,"
     "  deliveries INTEGER NOT NULL DEFAULT 0,"
     "  received_at_ms INTEGER NOT NULL,"
     "  acked_at_ms INTEGER);"
     // Unacked messages in channel order (the partial index keeps acked rows out of the way).
     "CREATE INDEX transport_mailbox_unacked ON transport_mailbox(channel, seq) WHERE state < 2;"
     // Leases of a channel by deadline.
     "CREATE INDEX transport_mailbox_leases ON transport_mailbox(channel, state, deadline_ms);"
     "CREATE TABLE transport_inbox ("
     "  id TEXT PRIMARY KEY,"
     "  channel TEXT NOT NULL,"
     "  processed_at_ms INTEGER NOT NULL);"},
}};

}  // namespace

Result<void> ensure_schema(ledger::Db& db) { return ledger::migrate(db, "transport", kMigrations); }

Result<std::string> enqueue(ledger::Db& tx, std::string_view channel, const proto::Envelope& message) {
  if (auto c = check_channel(channel); !c) return std::unexpected(c.error());
  if (!proto::valid_message_id(message.id))
    return fail(Errc::invalid_argument, "message id '" + message.id + "' is not valid (1-64 letters, digits, '-', '_')");
  if (message.type.empty()) return fail(Errc::invalid_argument, "message " + message.id + " has no type");
  std::string text = proto::serialize(message);
  if (text.size() > kMaxMessageBytes)
    return fail(Errc::invalid_argument, "message " + message.id + " (" + message.type + ") is " +
                                            std::to_string(text.size()) + " bytes; the limit is " +
                                            std::to_string(kMaxMessageBytes) + " — send large data through storage");
  auto st = tx.prepare(
      "INSERT OR IGNORE INTO transport_outbox(channel, id, envelope, created_at_ms) VALUES(?1, ?2, ?3, ?4)");
  if (!st) return std::unexpected(st.error());
  st->bind_all(channel, message.id, text, message.sent_at_ms);
  if (auto r = st->run(); !r) return std::unexpected(r.error());
  return message.id;
}

Result<std::int64_t> outbox_count(ledger::Db& db, std::string_view channel) {
  auto st = db.prepare("SELECT COUNT(*) FROM transport_outbox WHERE channel = ?1");
  if (!st) return std::unexpected(st.error());
  st->bind(1, channel);
  auto row = st->step();
  if (!row) return std::unexpected(row.error());
  return st->column_int64(0);
}

Result<bool> already_processed(ledger::Db& db, std::string_view id) {
  auto st = db.prepare("SELECT 1 FROM transport_inbox WHERE id = ?1");
  if (!st) return std::unexpected(st.error());
  st->bind(1, id);
  return st->step();
}

Result<void> mark_processed(ledger::Db& tx, std::string_view id, std::string_view channel, std::int64_t now_ms) {
  auto st = tx.prepare("INSERT OR IGNORE INTO transport_inbox(id, channel, processed_at_ms) VALUES(?1, ?2, ?3)");
  if (!st) return std::unexpected(st.error());
  st->bind_all(id, channel, now_ms);
  return st->run();
}

}  // namespace lab::transport
