#include "helpers.hpp"

#include <doctest/doctest.h>
#include <lab/ledger/db.hpp>
#include <lab/transport/consumer.hpp>
#include <lab/transport/durable.hpp>
#include <lab/transport/transport.hpp>

#include <chrono>
#include <thread>

using namespace lab;
using namespace lab::transport;
using namespace lab::transport::testing;
using namespace std::chrono_literals;

namespace {

std::unique_ptr<Transport> make(const Options& o) {
  auto t = make_transport(o);
  REQUIRE_MESSAGE(t, t.error().message);
  return std::move(*t);
}

// Receives `n` messages of `channel`, acking each, and returns their numbers.
std::vector<std::int64_t> drain(Transport& t, std::string_view channel, int n) {
  std::vector<std::int64_t> got;
  auto give_up = std::chrono::steady_clock::now() + 20s;
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

std::vector<std::int64_t> iota(int n) {
  std::vector<std::int64_t> v(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) v[static_cast<std::size_t>(i)] = i;
  return v;
}

}  // namespace

TEST_CASE("messages arrive in order per channel, both ways") {
  auto dir = fresh_dir("order");
  auto listener = make(listener_options(dir / "remote.db"));
  auto connector = make(connector_options(dir / "proxy.db", listener->listen_url()));
  for (int i = 0; i < 300; ++i) {
    REQUIRE(connector->send(kToRemote, numbered(i)));
    REQUIRE(listener->send(kToLocal, numbered(i)));
  }
  CHECK(drain(*listener, kToRemote, 300) == iota(300));
  CHECK(drain(*connector, kToLocal, 300) == iota(300));
  CHECK(listener->list_pending(kToRemote).value().empty());
  CHECK(connector->list_pending(kToLocal).value().empty());
}

TEST_CASE("a long-poll receive returns within milliseconds of a matching send") {
  auto dir = fresh_dir("latency");
  auto listener = make(listener_options(dir / "remote.db"));
  auto connector = make(connector_options(dir / "proxy.db", listener->listen_url()));
  std::atomic<std::int64_t> received_at{0};
  std::thread waiter([&] {
    auto r = connector->receive(kToLocal, 5s);
    if (r && *r) received_at = std::chrono::steady_clock::now().time_since_epoch() / 1ms;
  });
  std::this_thread::sleep_for(200ms);
  auto sent_at = std::chrono::steady_clock::now().time_since_epoch() / 1ms;
  REQUIRE(listener->send(kToLocal, numbered(1)));
  waiter.join();
  REQUIRE(received_at > 0);
  CHECK(received_at - sent_at < 100);  // typically 1-2 ms; generous for a loaded machine
}

TEST_CASE("a message taken by a receiver that dies before acking is delivered again") {
  auto dir = fresh_dir("redeliver");
  auto lo = listener_options(dir / "remote.db");
  lo.visibility_timeout = 400ms;
  auto listener = make(lo);
  REQUIRE(listener->send(kToLocal, numbered(1)));
  REQUIRE(listener->send(kToLocal, numbered(2)));
  std::string first_id;
  {
    auto doomed = make(connector_options(dir / "proxy-a.db", listener->listen_url()));
    auto r = doomed->receive(kToLocal, 2s);
    REQUIRE(r);
    REQUIRE(*r);
    first_id = (*r)->id;
    CHECK(number_of(**r) == 1);
  }  // dies without acking
  auto survivor = make(connector_options(dir / "proxy-b.db", listener->listen_url()));
  // While the lease holds, nothing may overtake message 1.
  auto early = survivor->receive(kToLocal, 100ms);
  REQUIRE(early);
  CHECK_FALSE(*early);
  CHECK(listener->list_pending(kToLocal).value().size() == 2);
  auto again = survivor->receive(kToLocal, 2s);
  REQUIRE(again);
  REQUIRE(*again);
  CHECK((*again)->id == first_id);
  REQUIRE(survivor->ack(kToLocal, first_id));
  CHECK(drain(*survivor, kToLocal, 1) == std::vector<std::int64_t>{2});
  CHECK(listener->list_pending(kToLocal).value().empty());
}

TEST_CASE("1,000 messages across a listener restart are each processed exactly once, in order") {
  auto dir = fresh_dir("restart");
  auto lo = listener_options(dir / "remote.db");
  lo.visibility_timeout = 500ms;
  auto listener = make(lo);
  const int port = std::stoi(listener->listen_url().substr(listener->listen_url().rfind(':') + 1));
  lo.listen_port = port;
  auto cop = connector_options(dir / "proxy.db", listener->listen_url());
  auto connector = make(cop);

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
      REQUIRE(connector->send(kToRemote, numbered(i)));
      if (i % 100 == 0) std::this_thread::sleep_for(5ms);
    }
  });

  int processed = 0, duplicates = 0;
  bool restarted = false;
  auto give_up = std::chrono::steady_clock::now() + 60s;
  while (processed < 1000 && std::chrono::steady_clock::now() < give_up) {
    if (processed == 500 && !restarted) {
      // A receiver applies a message, then dies before its ack; then the listener goes down.
      auto r = listener->receive(kToRemote, 2s);
      REQUIRE(r);
      REQUIRE(*r);
      auto m = proto::decode(**r).value();
      REQUIRE(app->transaction([&](ledger::Db& tx) -> Result<void> {
        if (auto e = apply(m, **r, tx); !e) return e;
        return mark_processed(tx, (*r)->id, kToRemote, 0);
      }));
      ++processed;
      listener.reset();
      std::this_thread::sleep_for(300ms);  // the sender keeps queueing meanwhile
      listener = make(lo);
      restarted = true;
      continue;
    }
    auto outcome = process_next(*listener, *app, kToRemote, 200ms, apply);
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
  CHECK(connector->outbox_depth(kToRemote).value() == 0);
}

TEST_CASE("while the peer is down the outbox holds messages; they arrive in order when it returns") {
  auto dir = fresh_dir("peer-down");
  int port = 0;
  {
    auto probe = make(listener_options(dir / "probe.db"));
    port = std::stoi(probe->listen_url().substr(probe->listen_url().rfind(':') + 1));
  }
  LogSink sink;
  auto co = connector_options(dir / "proxy.db", "http://127.0.0.1:" + std::to_string(port));
  co.log = sink.fn();
  co.peer_hint = "is `lab remote` running?";
  auto connector = make(co);
  for (int i = 0; i < 50; ++i) REQUIRE(connector->send(kToRemote, numbered(i)));
  std::this_thread::sleep_for(300ms);
  CHECK(connector->outbox_depth(kToRemote).value() == 50);
  auto err = connector->receive(kToLocal, 100ms);
  REQUIRE_FALSE(err);
  CHECK(err.error().code == Errc::unavailable);
  CHECK(err.error().message.find("cannot reach http://127.0.0.1:" + std::to_string(port)) != std::string::npos);
  CHECK(err.error().message.find("is `lab remote` running?") != std::string::npos);
  {
    std::lock_guard lock(sink.mu);
    REQUIRE_FALSE(sink.lines.empty());
    CHECK(sink.lines.front().find("stay in the outbox") != std::string::npos);
  }
  auto listener = make(listener_options(dir / "remote.db", port));
  CHECK(drain(*listener, kToRemote, 50) == iota(50));
  // The sender clears its outbox once the listener's answer arrives, which may be just after
  // the receiver saw the messages.
  auto give_up = std::chrono::steady_clock::now() + 5s;
  while (connector->outbox_depth(kToRemote).value() != 0 && std::chrono::steady_clock::now() < give_up)
    std::this_thread::sleep_for(10ms);
  CHECK(connector->outbox_depth(kToRemote).value() == 0);
}

TEST_CASE("a message of unknown type is logged and acked, and the next one still flows") {
  auto dir = fresh_dir("unknown");
  auto listener = make(listener_options(dir / "remote.db"));
  auto connector = make(connector_options(dir / "proxy.db", listener->listen_url()));
  REQUIRE(connector->send(kToRemote, proto::make_envelope("teleport_task", {{"to", "mars"}}, 1)));
  REQUIRE(connector->send(kToRemote, proto::make_envelope("status_update", {{"task_id", "t"}}, 1)));
  REQUIRE(connector->send(kToRemote, proto::encode(proto::CancelTask{"t1", "alice"}, 1)));
  auto app = ledger::Db::open(dir / "remote.db").value();
  std::vector<std::string> logged;
  std::vector<proto::Message> handled;
  auto handler = [&](const proto::Message& m, const proto::Envelope&, ledger::Db&) -> Result<void> {
    handled.push_back(m);
    return {};
  };
  auto log = [&](std::string_view l) { logged.emplace_back(l); };
  CHECK(process_next(*listener, *app, kToRemote, 2s, handler, log).value() == Outcome::unknown_type);
  CHECK(process_next(*listener, *app, kToRemote, 2s, handler, log).value() == Outcome::invalid);
  CHECK(process_next(*listener, *app, kToRemote, 2s, handler, log).value() == Outcome::processed);
  REQUIRE(handled.size() == 1);
  CHECK(handled[0] == proto::Message(proto::CancelTask{"t1", "alice"}));
  REQUIRE(logged.size() == 2);
  CHECK(logged[0].find("unknown message type 'teleport_task'") != std::string::npos);
  CHECK(logged[1].find("field 'status' is missing") != std::string::npos);
  CHECK(listener->list_pending(kToRemote).value().empty());
}

TEST_CASE("the listener can sit on the proxy side (outbound-only clusters)") {
  auto dir = fresh_dir("proxy-listens");
  auto proxy = make(listener_options(dir / "proxy.db"));
  auto remote = make(connector_options(dir / "remote.db", proxy->listen_url()));
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
  auto at_remote = remote->receive(kToRemote, 3s);
  REQUIRE(at_remote);
  REQUIRE(*at_remote);
  CHECK(proto::decode(**at_remote).value() == proto::Message(submit));
  REQUIRE(remote->ack(kToRemote, (*at_remote)->id));
  auto at_proxy = proxy->receive(kToLocal, 3s);
  REQUIRE(at_proxy);
  REQUIRE(*at_proxy);
  CHECK(proto::decode(**at_proxy).value() == proto::Message(update));
  REQUIRE(proxy->ack(kToLocal, (*at_proxy)->id));
  CHECK(proxy->list_pending(kToRemote).value().empty());
  CHECK(remote->list_pending(kToLocal).value().empty());
}

TEST_CASE("a wrong token is refused with 401 and a message, and nothing is delivered") {
  auto dir = fresh_dir("token");
  auto listener = make(listener_options(dir / "remote.db"));
  auto co = connector_options(dir / "proxy.db", listener->listen_url());
  co.token = "not-the-token";
  auto connector = make(co);
  auto r = connector->receive(kToLocal, 100ms);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Errc::unauthenticated);
  CHECK(r.error().message.find("401") != std::string::npos);
  CHECK(r.error().message.find("token is wrong") != std::string::npos);
  REQUIRE(connector->send(kToRemote, numbered(1)));
  std::this_thread::sleep_for(300ms);
  CHECK(connector->outbox_depth(kToRemote).value() == 1);
  CHECK(listener->list_pending(kToRemote).value().empty());
}

TEST_CASE("bad options are refused with plain messages") {
  auto dir = fresh_dir("options");
  Options o = connector_options(dir / "p.db", "ftp://x");
  auto r = make_transport(o);
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("write it as http://host:port") != std::string::npos);
  o = connector_options(dir / "p.db", "http://127.0.0.1:1");
  o.token.clear();
  CHECK(make_transport(o).error().message.find("needs a token") != std::string::npos);
  o.token = kToken;
  o.type = "carrier-pigeon";
  CHECK(make_transport(o).error().message.find("not supported") != std::string::npos);
  auto t = make(connector_options(dir / "q.db", "http://127.0.0.1:1"));
  auto bad = t->send("to_remtoe", numbered(1));
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message == "unknown channel 'to_remtoe' (did you mean 'to_remote'?)");
}
