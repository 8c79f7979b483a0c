// The transport contract (docs/transport.md), written once against the interface: order per
// channel, redelivery of what a dead receiver took, exactly-once processing across a restart,
// messages held in the outbox while the peer is unreachable, unknown types skipped. A
// backend's test file builds a TransportHarness and calls each check from its own TEST_CASEs
// (tests/unit/transport/http_transport_test.cpp, tests/s3/transport_live_test.cpp).
#pragma once

#include "helpers.hpp"

#include <doctest/doctest.h>
#include <lab/ledger/db.hpp>
#include <lab/transport/consumer.hpp>
#include <lab/transport/durable.hpp>
#include <lab/transport/transport.hpp>

#include <algorithm>
#include <chrono>
#include <thread>

namespace lab::transport::contract {

using namespace std::chrono_literals;
using testing::number_of;
using testing::numbered;

struct TransportHarness {
  // The side that serves the mailbox for http (the remote, by default); either side for s3.
  std::function<Options(const std::filesystem::path& db)> host;
  // The other side, reaching `host` (running).
  std::function<Options(const std::filesystem::path& db, Transport& host)> guest;
  // Longest a waiting receive may take to see a message sent meanwhile.
  std::chrono::milliseconds max_latency{100};
  // A guest whose peer cannot be reached yet; `peer_up` then makes it reachable and returns
  // a host that receives what the guest sent. `unreachable` is part of the guest's error.
  std::function<Options(const std::filesystem::path& db)> unreachable_guest;
  std::function<std::unique_ptr<Transport>(const std::filesystem::path& db)> peer_up;
  std::string unreachable;
};

inline std::unique_ptr<Transport> make(const Options& o) {
  auto t = make_transport(o);
  REQUIRE_MESSAGE(t, t.error().message);
  return std::move(*t);
}

// Receives `n` messages of `channel`, acking each, and returns their numbers.
inline std::vector<std::int64_t> drain(Transport& t, std::string_view channel, int n) {
  std::vector<std::int64_t> got;
  auto give_up = std::chrono::steady_clock::now() + 60s;
  while (static_cast<int>(got.size()) < n && std::chrono::steady_clock::now() < give_up) {
    auto r = t.receive(channel, 1s);
    REQUIRE_MESSAGE(r, r.error().message);
    if (!*r) continue;
    got.push_back(number_of(**r));
    auto a = t.ack(channel, (*r)->id);
    REQUIRE_MESSAGE(a, a.error().message);
  }
  return got;
}

inline std::vector<std::int64_t> iota(int n) {
  std::vector<std::int64_t> v(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) v[static_cast<std::size_t>(i)] = i;
  return v;
}

inline void check_order_both_ways(const TransportHarness& h) {
  auto dir = testing::fresh_dir("order");
  auto host = make(h.host(dir / "remote.db"));
  auto guest = make(h.guest(dir / "proxy.db", *host));
  for (int i = 0; i < 300; ++i) {
    REQUIRE(guest->send(kToRemote, numbered(i)));
    REQUIRE(host->send(kToLocal, numbered(i)));
  }
  CHECK(drain(*host, kToRemote, 300) == iota(300));
  CHECK(drain(*guest, kToLocal, 300) == iota(300));
  CHECK(host->list_pending(kToRemote).value().empty());
  CHECK(guest->list_pending(kToLocal).value().empty());
}

inline void check_latency(const TransportHarness& h) {
  auto dir = testing::fresh_dir("latency");
  auto host = make(h.host(dir / "remote.db"));
  auto guest = make(h.guest(dir / "proxy.db", *host));
  std::atomic<std::int64_t> received_at{0};
  std::thread waiter([&] {
    auto r = guest->receive(kToLocal, 5s);
    if (r && *r) received_at = std::chrono::steady_clock::now().time_since_epoch() / 1ms;
  });
  std::this_thread::sleep_for(200ms);
  auto sent_at = std::chrono::steady_clock::now().time_since_epoch() / 1ms;
  REQUIRE(host->send(kToLocal, numbered(1)));
  waiter.join();
  REQUIRE(received_at > 0);
  CHECK(received_at - sent_at < h.max_latency.count());
}

inline void check_redelivery_after_dead_receiver(const TransportHarness& h) {
  auto dir = testing::fresh_dir("redeliver");
  auto ho = h.host(dir / "remote.db");
  ho.visibility_timeout = 400ms;
  auto host = make(ho);
  REQUIRE(host->send(kToLocal, numbered(1)));
  REQUIRE(host->send(kToLocal, numbered(2)));
  std::string first_id;
  {
    auto go = h.guest(dir / "proxy-a.db", *host);
    go.visibility_timeout = 400ms;
    auto doomed = make(go);
    auto r = doomed->receive(kToLocal, 5s);
    REQUIRE(r);
    REQUIRE(*r);
    first_id = (*r)->id;
    CHECK(number_of(**r) == 1);
  }  // dies without acking
  auto go = h.guest(dir / "proxy-b.db", *host);
  go.visibility_timeout = 400ms;
  auto survivor = make(go);
  // While the lease holds, nothing may overtake message 1.
  auto early = survivor->receive(kToLocal, 100ms);
  REQUIRE(early);
  CHECK_FALSE(*early);
  CHECK(host->list_pending(kToLocal).value().size() == 2);
  auto again = survivor->receive(kToLocal, 3s);
  REQUIRE(again);
  REQUIRE(*again);
  CHECK((*again)->id == first_id);
  REQUIRE(survivor->ack(kToLocal, first_id));
  CHECK(drain(*survivor, kToLocal, 1) == std::vector<std::int64_t>{2});
  CHECK(host->list_pending(kToLocal).value().empty());
}

inline void check_exactly_once_across_restart(const TransportHarness& h) {
  auto dir = testing::fresh_dir("restart");
  auto ho = h.host(dir / "remote.db");
  ho.visibility_timeout = 500ms;
  auto host = make(ho);
  if (ho.listen) {  // come back where the guest looks for it
    const auto url = host->listen_url();
    ho.listen_port = std::stoi(url.substr(url.rfind(':') + 1));
  }
  auto guest = make(h.guest(dir / "proxy.db", *host));

  auto app = ledger::Db::open(dir / "remote.db").value();
  REQUIRE(app->exec("CREATE TABLE seen(n INTEGER NOT NULL)"));
  auto apply = [&](const proto::Message& m, const proto::Envelope&, ledger::Db& tx) -> Result<void> {
    auto st = tx.prepare("INSERT INTO seen(n) VALUES(?1)");
    if (!st) return std::unexpected(st.error());
    st->bind(1, std::get<proto::LogChunk>(m).offset);
    return st->run();
  };

  std::thread sender([&] {
    for (int i = 0; i < 1000; ++i) {
      REQUIRE(guest->send(kToRemote, numbered(i)));
      if (i % 100 == 0) std::this_thread::sleep_for(5ms);
    }
  });

  int processed = 0, duplicates = 0;
  bool restarted = false;
  auto give_up = std::chrono::steady_clock::now() + 120s;
  while (processed < 1000 && std::chrono::steady_clock::now() < give_up) {
    if (processed == 500 && !restarted) {
      // A receiver applies a message, then dies before its ack; then the host goes down.
      auto r = host->receive(kToRemote, 5s);
      REQUIRE(r);
      REQUIRE(*r);
      auto m = proto::decode(**r).value();
      REQUIRE(app->transaction([&](ledger::Db& tx) -> Result<void> {
        if (auto e = apply(m, **r, tx); !e) return e;
        return mark_processed(tx, (*r)->id, kToRemote, 0);
      }));
      ++processed;
      host.reset();
      std::this_thread::sleep_for(300ms);  // the sender keeps queueing meanwhile
      host = make(ho);
      restarted = true;
      continue;
    }
    auto outcome = process_next(*host, *app, kToRemote, 200ms, apply);
    REQUIRE_MESSAGE(outcome, outcome.error().message);
    if (*outcome == Outcome::processed) ++processed;
    if (*outcome == Outcome::duplicate) ++duplicates;
  }
  sender.join();
  CHECK(restarted);
  CHECK(processed == 1000);
  CHECK(duplicates >= 1);  // the message applied but not acked came back and was dropped

  std::vector<std::int64_t> seen;
  auto st = app->prepare("SELECT n FROM seen ORDER BY rowid").value();
  while (st.step().value()) seen.push_back(st.column_int64(0));
  CHECK(seen == iota(1000));
  CHECK(guest->outbox_depth(kToRemote).value() == 0);
}

// process_batch, one direction: a burst applied a batch per transaction, every message once;
// a handler failure leaves that message unacked (delivered again after its lease) while the
// rest of its batch is committed and acked.
inline void check_batch_one_way(Transport& sender, Transport& receiver, std::string_view channel,
                                const std::filesystem::path& receiver_db) {
  constexpr int kCount = 200;
  for (int i = 0; i < kCount; ++i) REQUIRE(sender.send(channel, numbered(i)));
  auto queued_by = std::chrono::steady_clock::now() + 30s;
  while (receiver.list_pending(channel).value().size() < kCount && std::chrono::steady_clock::now() < queued_by)
    std::this_thread::sleep_for(10ms);
  auto app = ledger::Db::open(receiver_db).value();
  REQUIRE(app->exec("CREATE TABLE seen(n INTEGER NOT NULL)"));
  int failures_left = 2;  // fails in its batch, then alone; applied when delivered again
  int gathered = 0, committed = 0, rolled_back = 0;
  auto apply = [&](const proto::Message& m, const proto::Envelope&, ledger::Db& tx) -> Result<void> {
    const auto n = std::get<proto::LogChunk>(m).offset;
    if (n == 150 && failures_left > 0) {
      --failures_left;
      return fail(Errc::io, "a disk hiccup");
    }
    auto st = tx.prepare("INSERT INTO seen(n) VALUES(?1)");
    if (!st) return std::unexpected(st.error());
    st->bind(1, n);
    ++gathered;
    return st->run();
  };
  auto settled = [&](bool ok) {
    if (ok) committed += gathered;
    else ++rolled_back;
    gathered = 0;
  };
  std::size_t largest = 0;
  bool failure_reported = false;
  auto give_up = std::chrono::steady_clock::now() + 60s;
  while (committed < kCount && std::chrono::steady_clock::now() < give_up) {
    auto r = process_batch(receiver, *app, channel, 1s, apply, settled);
    if (!r) {
      CHECK(r.error().message.find("a disk hiccup") != std::string::npos);
      failure_reported = true;
      continue;
    }
    largest = std::max(largest, r->size());
  }
  CHECK(failure_reported);
  CHECK(rolled_back >= 2);  // the batch with the failure, then the failing message alone
  CHECK(committed == kCount);
  CHECK(largest > 1);
  CHECK(largest <= kMaxBatch);
  std::vector<std::int64_t> seen;
  auto st = app->prepare("SELECT n FROM seen ORDER BY n").value();
  while (st.step().value()) seen.push_back(st.column_int64(0));
  CHECK(seen == iota(kCount));  // each exactly once
  CHECK(receiver.list_pending(channel).value().empty());
}

inline void check_batches(const TransportHarness& h) {
  auto dir = testing::fresh_dir("batches");
  auto ho = h.host(dir / "remote.db");
  ho.visibility_timeout = 500ms;
  auto host = make(ho);
  auto guest = make(h.guest(dir / "proxy.db", *host));
  check_batch_one_way(*guest, *host, kToRemote, dir / "remote.db");
  check_batch_one_way(*host, *guest, kToLocal, dir / "proxy.db");
}

inline void check_outbox_holds_while_peer_down(const TransportHarness& h) {
  auto dir = testing::fresh_dir("peer-down");
  testing::LogSink sink;
  auto go = h.unreachable_guest(dir / "proxy.db");
  go.log = sink.fn();
  go.peer_hint = "is `lab remote` running?";
  auto guest = make(go);
  for (int i = 0; i < 50; ++i) REQUIRE(guest->send(kToRemote, numbered(i)));
  std::this_thread::sleep_for(300ms);
  CHECK(guest->outbox_depth(kToRemote).value() == 50);
  auto err = guest->receive(kToLocal, 100ms);
  REQUIRE_FALSE(err);
  CHECK(err.error().code == Errc::unavailable);
  CHECK(err.error().message.find(h.unreachable) != std::string::npos);
  CHECK(err.error().message.find("is `lab remote` running?") != std::string::npos);
  {
    std::lock_guard lock(sink.mu);
    REQUIRE_FALSE(sink.lines.empty());
    bool told = false;
    for (const auto& l : sink.lines) told = told || l.find("stay in the outbox") != std::string::npos;
    CHECK(told);
  }
  auto host = h.peer_up(dir / "remote.db");
  CHECK(drain(*host, kToRemote, 50) == iota(50));
  // The sender clears its outbox once the peer's answer arrives, which may be just after
  // the receiver saw the messages.
  auto give_up = std::chrono::steady_clock::now() + 10s;
  while (guest->outbox_depth(kToRemote).value() != 0 && std::chrono::steady_clock::now() < give_up)
    std::this_thread::sleep_for(10ms);
  CHECK(guest->outbox_depth(kToRemote).value() == 0);
}

inline void check_unknown_types_are_skipped(const TransportHarness& h) {
  auto dir = testing::fresh_dir("unknown");
  auto host = make(h.host(dir / "remote.db"));
  auto guest = make(h.guest(dir / "proxy.db", *host));
  REQUIRE(guest->send(kToRemote, proto::make_envelope("teleport_task", {{"to", "mars"}}, 1)));
  REQUIRE(guest->send(kToRemote, proto::make_envelope("status_update", {{"task_id", "t"}}, 1)));
  REQUIRE(guest->send(kToRemote, proto::encode(proto::CancelTask{"t1", "alice"}, 1)));
  auto app = ledger::Db::open(dir / "remote.db").value();
  std::vector<std::string> logged;
  std::vector<proto::Message> handled;
  auto handler = [&](const proto::Message& m, const proto::Envelope&, ledger::Db&) -> Result<void> {
    handled.push_back(m);
    return {};
  };
  auto log = [&](std::string_view l) { logged.emplace_back(l); };
  CHECK(process_next(*host, *app, kToRemote, 5s, handler, log).value() == Outcome::unknown_type);
  CHECK(process_next(*host, *app, kToRemote, 5s, handler, log).value() == Outcome::invalid);
  CHECK(process_next(*host, *app, kToRemote, 5s, handler, log).value() == Outcome::processed);
  REQUIRE(handled.size() == 1);
  CHECK(handled[0] == proto::Message(proto::CancelTask{"t1", "alice"}));
  REQUIRE(logged.size() == 2);
  CHECK(logged[0].find("unknown message type 'teleport_task'") != std::string::npos);
  CHECK(logged[1].find("field 'status' is missing") != std::string::npos);
  CHECK(host->list_pending(kToRemote).value().empty());
}

// Either side may send on either channel: here the host plays the proxy (outbound-only
// clusters put the http mailbox on the proxy's side).
inline void check_host_on_proxy_side(const TransportHarness& h) {
  auto dir = testing::fresh_dir("proxy-hosts");
  auto proxy = make(h.host(dir / "proxy.db"));
  auto remote = make(h.guest(dir / "remote.db", *proxy));
  proto::SubmitTask submit;
  submit.task_id = "t9";
  submit.user_id = "bob";
  submit.name = "n";
  submit.memory = "1G";
  submit.time_limit = "0:10:00";
  submit.command = "true";
  proto::StatusUpdate update{"t9", proto::TaskStatus::queued, "77", std::nullopt, std::nullopt, std::nullopt,
                             std::nullopt};
  REQUIRE(proxy->send(kToRemote, proto::encode(submit, 1)));
  REQUIRE(remote->send(kToLocal, proto::encode(update, 2)));
  auto at_remote = remote->receive(kToRemote, 5s);
  REQUIRE(at_remote);
  REQUIRE(*at_remote);
  CHECK(proto::decode(**at_remote).value() == proto::Message(submit));
  REQUIRE(remote->ack(kToRemote, (*at_remote)->id));
  auto at_proxy = proxy->receive(kToLocal, 5s);
  REQUIRE(at_proxy);
  REQUIRE(*at_proxy);
  CHECK(proto::decode(**at_proxy).value() == proto::Message(update));
  REQUIRE(proxy->ack(kToLocal, (*at_proxy)->id));
  CHECK(proxy->list_pending(kToRemote).value().empty());
  CHECK(remote->list_pending(kToLocal).value().empty());
}

}  // namespace lab::transport::contract
