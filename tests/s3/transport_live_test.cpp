// The transport contract (tests/unit/transport/transport_contract.hpp, the same checks the
// http backend passes) run against the `s3` backend on a real S3 server, plus its own
// refusals. Run by tests/s3/run-live.sh (S3_ENDPOINT, AWS_* credentials, LAB_S3_BUCKET).
#include <doctest/doctest.h>

#include <lab/transport/transport.hpp>

#include <random>

#include "s3/relay.hpp"
#include "s3/live_env.hpp"
#include "unit/transport/transport_contract.hpp"

using namespace lab;
using namespace lab::transport;
using namespace lab::transport::contract;
using namespace std::chrono_literals;

using lab::testing::live_env;

namespace {

Options s3_side(const std::filesystem::path& db, const std::string& prefix, const std::string& endpoint) {
  Options o;
  o.type = "s3";
  o.db_path = db;
  o.log = [](std::string_view) {};
  o.s3.endpoint = endpoint;
  o.s3.bucket = live_env("LAB_S3_BUCKET");
  o.s3.prefix = prefix;
  o.s3.apply_env_fallback();
  o.s3_tuning.max_attempts = 2;
  o.s3_tuning.backoff_base_ms = 10;
  o.poll_interval = 50ms;
  return o;
}

// Both sides share one fresh prefix of the live bucket. While the store is "down", the guest
// talks to a loopback port nothing listens on; then a relay to the real server starts there.
TransportHarness s3_harness() {
  TransportHarness h;
  auto prefix = std::make_shared<std::string>("transport-" + std::to_string(std::random_device{}()) + "/");
  h.host = [prefix](const std::filesystem::path& db) { return s3_side(db, *prefix, live_env("S3_ENDPOINT")); };
  h.guest = [prefix](const std::filesystem::path& db, Transport&) {
    return s3_side(db, *prefix, live_env("S3_ENDPOINT"));
  };
  h.max_latency = 1500ms;  // a poll interval (50 ms here) plus a few requests on a loaded machine
  auto port = std::make_shared<int>(lab::testing::free_port());
  auto relay = std::make_shared<std::unique_ptr<lab::testing::Relay>>();
  h.unreachable_guest = [prefix, port](const std::filesystem::path& db) {
    return s3_side(db, *prefix, "http://127.0.0.1:" + std::to_string(*port));
  };
  h.peer_up = [prefix, port, relay](const std::filesystem::path& db) {
    const std::string ep = live_env("S3_ENDPOINT");
    *relay = std::make_unique<lab::testing::Relay>(*port, std::stoi(ep.substr(ep.rfind(':') + 1)));
    REQUIRE((*relay)->ok());
    return make(s3_side(db, *prefix, ep));
  };
  h.unreachable = "cannot reach the storage at http://127.0.0.1:" + std::to_string(*port);
  return h;
}

}  // namespace

TEST_CASE("s3 transport: messages arrive in order per channel, both ways") { check_order_both_ways(s3_harness()); }
TEST_CASE("s3 transport: a waiting receive sees a message within a poll interval") { check_latency(s3_harness()); }
TEST_CASE("s3 transport: a message taken by a receiver that dies before acking is delivered again") {
  check_redelivery_after_dead_receiver(s3_harness());
}
TEST_CASE("s3 transport: 1,000 messages across a restart are each processed exactly once, in order") {
  check_exactly_once_across_restart(s3_harness());
}
TEST_CASE("s3 transport: while the store is down the outbox holds messages; they arrive in order after") {
  check_outbox_holds_while_peer_down(s3_harness());
}
TEST_CASE("s3 transport: a message of unknown type is logged and acked, and the next one still flows") {
  check_unknown_types_are_skipped(s3_harness());
}
TEST_CASE("s3 transport: either side sends on either channel") { check_host_on_proxy_side(s3_harness()); }

TEST_CASE("s3 transport: a wrong secret or a missing bucket stops it at start, in plain words") {
  auto dir = lab::transport::testing::fresh_dir("s3-refusals");
  auto o = s3_side(dir / "a.db", "refusals/", live_env("S3_ENDPOINT"));
  o.s3.secret_key = "wrong-secret-123";
  auto wrong = make_transport(o);
  REQUIRE_FALSE(wrong.has_value());
  CHECK(wrong.error().code == Errc::unauthenticated);
  CHECK(wrong.error().message.find("refused the access key") != std::string::npos);
  CHECK(wrong.error().message.find("wrong-secret-123") == std::string::npos);
  auto m = s3_side(dir / "b.db", "refusals/", live_env("S3_ENDPOINT"));
  m.s3.bucket = "no-such-bucket";
  auto missing = make_transport(m);
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().message.find("bucket 'no-such-bucket' does not exist") != std::string::npos);
}
