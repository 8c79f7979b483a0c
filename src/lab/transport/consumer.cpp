#include <lab/transport/consumer.hpp>
#include <lab/transport/durable.hpp>

#include <lab/sys/clock.hpp>

#include <iostream>
#include <optional>

namespace lab::transport {
namespace {

using Say = std::function<void(const std::string&)>;

Say sayer(const std::function<void(std::string_view)>& log) {
  return [&log](const std::string& line) {
    if (log) log(line);
    else std::cerr << "lab transport: " << line << "\n";
  };
}

// Applies `env` inside the open transaction `tx` unless it was processed before, and records
// its id. Unknown types and malformed bodies are logged and recorded without the handler.
Result<Outcome> apply_one(ledger::Db& tx, const proto::Envelope& env, std::string_view channel,
                          const MessageHandler& handler, const Say& say) {
  auto seen = already_processed(tx, env.id);
  if (!seen) return std::unexpected(seen.error());
  if (*seen) return Outcome::duplicate;
  Outcome outcome = Outcome::processed;
  auto message = proto::decode(env);
  if (!message) {
    outcome = message.error().code == Errc::unsupported ? Outcome::unknown_type : Outcome::invalid;
    say("dropping message " + env.id + " on " + std::string(channel) + ": " + message.error().message);
  } else if (auto h = handler(*message, env, tx); !h) {
    return std::unexpected(h.error());
  }
  // Record the id even for a dropped message, so a redelivery is not logged again.
  if (auto m = mark_processed(tx, env.id, channel, sys::real_clock().now_ms()); !m) return std::unexpected(m.error());
  return outcome;
}

// `envs` applied in one transaction; their outcomes, or the failure (everything rolled back).
Result<std::vector<Outcome>> apply_together(ledger::Db& db, const std::vector<proto::Envelope>& envs,
                                            std::string_view channel, const MessageHandler& handler, const Say& say) {
  std::vector<Outcome> outcomes;
  auto r = db.transaction([&](ledger::Db& tx) -> Result<void> {
    outcomes.clear();
    for (const auto& env : envs) {
      auto o = apply_one(tx, env, channel, handler, say);
      if (!o) return std::unexpected(o.error());
      outcomes.push_back(*o);
    }
    return {};
  });
  if (!r) return std::unexpected(r.error());
  return outcomes;
}

}  // namespace

Result<Outcome> process_next(Transport& transport, ledger::Db& db, std::string_view channel,
                             std::chrono::milliseconds timeout, const MessageHandler& handler,
                             const std::function<void(std::string_view)>& log) {
  const Say say = sayer(log);
  auto got = transport.receive(channel, timeout);
  if (!got) return std::unexpected(got.error());
  if (!*got) return Outcome::timed_out;
  const proto::Envelope& env = **got;
  auto applied = apply_together(db, {env}, channel, handler, say);
  if (!applied) return std::unexpected(applied.error());
  const Outcome outcome = applied->front();
  if (auto a = transport.ack(channel, env.id); !a) return std::unexpected(a.error());
  return outcome;
}

Result<std::vector<Outcome>> process_batch(Transport& transport, ledger::Db& db, std::string_view channel,
                                           std::chrono::milliseconds timeout, const MessageHandler& handler,
                                           const std::function<void(bool committed)>& settled,
                                           const std::function<void(std::string_view)>& log) {
  const Say say = sayer(log);
  auto settle = [&](bool committed) {
    if (settled) settled(committed);
  };
  std::vector<proto::Envelope> batch;
  auto first = transport.receive(channel, timeout);
  if (!first) return std::unexpected(first.error());
  if (!*first) return std::vector<Outcome>{};
  batch.push_back(std::move(**first));
  while (batch.size() < kMaxBatch) {
    auto more = transport.receive_held(channel);
    if (!more || !*more) break;  // an error here only ends the batch; the next receive reports it
    batch.push_back(std::move(**more));
  }

  auto together = apply_together(db, batch, channel, handler, say);
  settle(together.has_value());
  if (together) {
    for (const auto& env : batch)
      if (auto a = transport.ack(channel, env.id); !a) return std::unexpected(a.error());
    return together;
  }
  if (batch.size() == 1) return std::unexpected(together.error());

  // One of them failed: each on its own, so the others still go through.
  std::vector<Outcome> outcomes;
  std::optional<Error> first_failure;
  for (const auto& env : batch) {
    auto one = apply_together(db, {env}, channel, handler, say);
    settle(one.has_value());
    if (!one) {
      if (!first_failure) first_failure = one.error();
      continue;
    }
    outcomes.push_back(one->front());
    if (auto a = transport.ack(channel, env.id); !a) return std::unexpected(a.error());
  }
  if (first_failure) return std::unexpected(*first_failure);
  return outcomes;
}

}  // namespace lab::transport
