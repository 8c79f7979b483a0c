#include "fixture.hpp"

using namespace lab;
using namespace lab::ledger;

namespace {
const std::string kHashA(64, 'a');
const std::string kHashB(64, 'b');
}  // namespace

TEST_CASE("users are created once per name and found by name or id") {
  testing::Fixture f;
  auto bob = create_user(*f.db, "bob", "$scrypt$p", true, 42).value();
  CHECK(bob.id != f.ada);
  CHECK(find_user(*f.db, "bob").value().is_admin);
  CHECK(find_user(*f.db, bob.id).value().name == "bob");
  CHECK(find_user(*f.db, bob.id).value().created_at_ms == 42);
  auto dup = create_user(*f.db, "bob", "$scrypt$q", false, 43);
  REQUIRE_FALSE(dup);
  CHECK(dup.error().code == Errc::already_exists);
  CHECK(dup.error().message.find("bob") != std::string::npos);
  CHECK(find_user(*f.db, "nobody").error().code == Errc::not_found);
  CHECK(find_user(*f.db, 999).error().code == Errc::not_found);
  auto all = list_users(*f.db).value();
  REQUIRE(all.size() == 2);
  CHECK(all[0].name == "ada");
  CHECK(all[1].name == "bob");
}

TEST_CASE("a plaintext password or a bad name is refused before it reaches the file") {
  testing::Fixture f;
  CHECK(create_user(*f.db, "eve", "hunter2", false, 1).error().code == Errc::invalid_argument);
  CHECK(set_password_hash(*f.db, f.ada, "hunter2").error().code == Errc::invalid_argument);
  for (const char* bad : {"", "Eve", "e ve", "-eve", "e/ve", "\xc3\xa9ve"})
    CHECK_MESSAGE(create_user(*f.db, bad, "$scrypt$p", false, 1).error().code == Errc::invalid_argument, bad);
  CHECK(create_user(*f.db, "eve.k_2-x", "$scrypt$p", false, 1));
  REQUIRE(set_password_hash(*f.db, f.ada, "$scrypt$new"));
  CHECK(find_user(*f.db, f.ada).value().password_hash == "$scrypt$new");
  CHECK(set_password_hash(*f.db, 999, "$scrypt$new").error().code == Errc::not_found);
}

TEST_CASE("sessions are found by token hash until they expire") {
  testing::Fixture f;
  const auto now = f.clock.now_ms();
  REQUIRE(create_session(*f.db, kHashA, f.ada, now, now + 3'600'000));
  auto s = lookup_session(*f.db, kHashA, now + 1000).value();
  CHECK(s.user_id == f.ada);
  CHECK(s.last_seen_ms == now);  // not rewritten within the touch interval
  s = lookup_session(*f.db, kHashA, now + kSessionTouchIntervalMs + 5).value();
  CHECK(s.last_seen_ms == now + kSessionTouchIntervalMs + 5);
  CHECK(lookup_session(*f.db, kHashB, now).error().code == Errc::not_found);
  auto expired = lookup_session(*f.db, kHashA, now + 3'600'000);
  REQUIRE_FALSE(expired);
  CHECK(expired.error().code == Errc::unauthenticated);
  CHECK(lookup_session(*f.db, kHashA, now).error().code == Errc::not_found);  // the expired row is gone
}

TEST_CASE("session creation checks its inputs") {
  testing::Fixture f;
  const auto now = f.clock.now_ms();
  CHECK(create_session(*f.db, "abc", f.ada, now, now + 1).error().code == Errc::invalid_argument);
  CHECK(create_session(*f.db, std::string(64, 'A'), f.ada, now, now + 1).error().code == Errc::invalid_argument);
  CHECK(create_session(*f.db, kHashA, f.ada, now, now).error().code == Errc::invalid_argument);
  CHECK(create_session(*f.db, kHashA, 999, now, now + 1).error().code == Errc::not_found);
  REQUIRE(create_session(*f.db, kHashA, f.ada, now, now + 1));
  CHECK(create_session(*f.db, kHashA, f.ada, now, now + 1).error().code == Errc::already_exists);
}

TEST_CASE("sessions end by logout, by user, and by expiry sweep") {
  testing::Fixture f;
  const auto now = f.clock.now_ms();
  auto bob = create_user(*f.db, "bob", "$scrypt$p", false, now).value().id;
  REQUIRE(create_session(*f.db, kHashA, f.ada, now, now + 10));
  REQUIRE(create_session(*f.db, kHashB, f.ada, now, now + 1000));
  REQUIRE(create_session(*f.db, std::string(64, 'c'), bob, now, now + 1000));
  CHECK(delete_session(*f.db, kHashA).value());
  CHECK_FALSE(delete_session(*f.db, kHashA).value());
  CHECK(delete_user_sessions(*f.db, f.ada).value() == 1);
  REQUIRE(create_session(*f.db, kHashA, f.ada, now, now + 10));
  CHECK(delete_expired_sessions(*f.db, now + 10).value() == 1);
  CHECK(lookup_session(*f.db, std::string(64, 'c'), now + 10).value().user_id == bob);
}
