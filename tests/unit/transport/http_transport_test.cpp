// The http backend: the shared transport contract (transport_contract.hpp), plus what only
// http has: tokens and URLs.
#include "transport_contract.hpp"

#include <doctest/doctest.h>
#include <lab/transport/transport.hpp>

#include <chrono>
#include <thread>

using namespace lab;
using namespace lab::transport;
using namespace lab::transport::testing;
using namespace lab::transport::contract;
using namespace std::chrono_literals;

namespace {

int port_of(const std::string& url) { return std::stoi(url.substr(url.rfind(':') + 1)); }

// The remote hosts the mailbox; the proxy connects to it. While the peer is "down", nothing
// listens on a port that was free a moment ago; then a listener starts on it.
TransportHarness http_harness() {
  TransportHarness h;
  h.host = [](const std::filesystem::path& db) { return listener_options(db); };
  h.guest = [](const std::filesystem::path& db, Transport& host) { return connector_options(db, host.listen_url()); };
  h.max_latency = 100ms;  // typically 1-2 ms; generous for a loaded machine
  auto port = std::make_shared<int>(0);
  h.unreachable_guest = [port](const std::filesystem::path& db) {
    {
      auto probe = make(listener_options(db.parent_path() / "probe.db"));
      *port = port_of(probe->listen_url());
    }
    return connector_options(db, "http://127.0.0.1:" + std::to_string(*port));
  };
  h.peer_up = [port](const std::filesystem::path& db) { return make(listener_options(db, *port)); };
  h.unreachable = "cannot reach http://127.0.0.1:";
  return h;
}

}  // namespace

TEST_CASE("messages arrive in order per channel, both ways") { check_order_both_ways(http_harness()); }
TEST_CASE("a long-poll receive returns within milliseconds of a matching send") { check_latency(http_harness()); }
TEST_CASE("a message taken by a receiver that dies before acking is delivered again") {
  check_redelivery_after_dead_receiver(http_harness());
}
TEST_CASE("1,000 messages across a listener restart are each processed exactly once, in order") {
  check_exactly_once_across_restart(http_harness());
}
TEST_CASE("while the peer is down the outbox holds messages; they arrive in order when it returns") {
  check_outbox_holds_while_peer_down(http_harness());
}
TEST_CASE("a message of unknown type is logged and acked, and the next one still flows") {
  check_unknown_types_are_skipped(http_harness());
}
TEST_CASE("a burst is applied in batches, each message once, a failing one alone") {
  check_batches(http_harness());
}
TEST_CASE("the listener can sit on the proxy side (outbound-only clusters)") { check_host_on_proxy_side(http_harness()); }

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
