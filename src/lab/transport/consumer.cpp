#include <lab/transport/consumer.hpp>
#include <lab/transport/durable.hpp>

#include <lab/sys/clock.hpp>

#include <iostream>

namespace lab::transport {

Result<Outcome> process_next(Transport& transport, ledger::Db& db, std::string_view channel,
                             std::chrono::milliseconds timeout, const MessageHandler& handler,
                             const std::function<void(std::string_view)>& log) {
  auto say = [&](const std::string& line) {
    if (log) log(line);
    else std::cerr << "lab transport: " << line << "\n";
  };
  auto got = transport.receive(channel, timeout);
  if (!got) return std::unexpected(got.error());
  if (!*got) return Outcome::timed_out;
  const proto::Envelope& env = **got;
  auto seen = already_processed(db, env.id);
  if (!seen) return std::unexpected(seen.error());
  Outcome outcome = Outcome::processed;
  if (*seen) {
    outcome = Outcome::duplicate;
  } else {
    auto message = proto::decode(env);
    if (!message) {
      outcome = message.error().code == Errc::unsupported ? Outcome::unknown_type : Outcome::invalid;
      say("dropping message " + env.id + " on " + std::string(channel) + ": " + message.error().message);
    }
    // Record the id even for a dropped message, so a redelivery is not logged again.
    auto r = db.transaction([&](ledger::Db& tx) -> Result<void> {
      if (message) {
        if (auto h = handler(*message, env, tx); !h) return h;
      }
      return mark_processed(tx, env.id, channel, sys::real_clock().now_ms());
    });
    if (!r) return std::unexpected(r.error());
  }
  if (auto a = transport.ack(channel, env.id); !a) return std::unexpected(a.error());
  return outcome;
}

}  // namespace lab::transport
