#include "lab/proxy/datasets.hpp"
#include "lab/proxy/schema.hpp"

#include "unit/ledger/fixture.hpp"

#include <doctest/doctest.h>

using namespace lab;
using namespace lab::proxy;

namespace {

const std::string kH1(32, '1'), kH2(32, '2'), kH3(32, '3');

struct DatasetFixture : ledger::testing::Fixture {
  DatasetFixture() : ledger::testing::Fixture("proxy-datasets.db") {
    REQUIRE(migrate_proxy(*db));
    alice = ledger::find_user(*db, ada).value();
    bob = ledger::create_user(*db, "bob", "$scrypt$ln=15,r=8,p=1$c2FsdA$aGFzaA", false, clock.now_ms()).value();
    root = ledger::create_user(*db, "root", "$scrypt$ln=15,r=8,p=1$c2FsdA$aGFzaA", true, clock.now_ms()).value();
    other_admin = ledger::create_user(*db, "prof", "$scrypt$ln=15,r=8,p=1$c2FsdA$aGFzaA", true, clock.now_ms()).value();
  }
  ledger::User alice, bob, root, other_admin;
};

}  // namespace

TEST_CASE("proxy datasets: migration 3 adds proxy_datasets to a file at version 2") {
  DatasetFixture f;
  CHECK(ledger::schema_version(*f.db, kProxyComponent).value() == 3);
  REQUIRE(record_dataset(*f.db, f.alice, "mnist", kH1, 2, 10, 1));
  // Back to version 2 (the table gone), as a file written by the previous lab.
  REQUIRE(f.db->exec("DROP TABLE proxy_datasets; UPDATE schema_versions SET version = 2 WHERE component = 'proxy'"));
  REQUIRE(migrate_proxy(*f.db));
  CHECK(ledger::schema_version(*f.db, kProxyComponent).value() == 3);
  CHECK(list_datasets(*f.db, f.alice, false).value().empty());
  REQUIRE(record_dataset(*f.db, f.alice, "mnist", kH1, 2, 10, 1));
  // A manifest that is not a hash is refused by the table itself.
  CHECK_FALSE(record_dataset(*f.db, f.alice, "bad", "short", 1, 1, 1));
}

TEST_CASE("proxy datasets: a sync creates, a resync replaces and says what it replaced") {
  DatasetFixture f;
  auto first = record_dataset(*f.db, f.alice, "mnist", kH1, 2, 10, 100).value();
  CHECK_FALSE(first.previous);
  CHECK(first.dataset.owner == "ada");
  CHECK_FALSE(first.dataset.course_wide);
  CHECK(first.dataset.created_at_ms == 100);
  auto again = record_dataset(*f.db, f.alice, "mnist", kH2, 3, 30, 200).value();
  REQUIRE(again.previous);
  CHECK(*again.previous == kH1);
  CHECK(again.dataset.manifest == kH2);
  CHECK(again.dataset.files == 3);
  CHECK(again.dataset.created_at_ms == 100);
  CHECK(again.dataset.updated_at_ms == 200);
  CHECK(resolve_dataset(*f.db, f.alice, "mnist").value().manifest == kH2);
}

TEST_CASE("proxy datasets: a student resolves their own and admins' datasets, never another student's") {
  DatasetFixture f;
  REQUIRE(record_dataset(*f.db, f.alice, "private", kH1, 1, 1, 10));
  REQUIRE(record_dataset(*f.db, f.root, "course", kH2, 1, 1, 10));

  // Bob cannot use Alice's dataset, and the answer is the same as for a missing one.
  auto hidden = resolve_dataset(*f.db, f.bob, "private");
  REQUIRE_FALSE(hidden);
  CHECK(hidden.error().code == Errc::not_found);
  auto missing = resolve_dataset(*f.db, f.bob, "nothing-here");
  REQUIRE_FALSE(missing);
  CHECK(hidden.error().message.find("lab data list") != std::string::npos);
  CHECK(hidden.error().message.find("lab data sync PATH --name private") != std::string::npos);
  std::string shape = hidden.error().message;
  shape.replace(shape.find("private"), 7, "nothing-here");
  shape.replace(shape.rfind("private"), 7, "nothing-here");
  CHECK(shape == missing.error().message);

  // Everyone may use the admin's.
  CHECK(resolve_dataset(*f.db, f.alice, "course").value().manifest == kH2);
  CHECK(resolve_dataset(*f.db, f.bob, "course").value().course_wide);
  CHECK(resolve_dataset(*f.db, f.other_admin, "course").value().owner == "root");

  // A student's own dataset of the same name comes first; the course-wide one is listed after it.
  REQUIRE(record_dataset(*f.db, f.alice, "course", kH3, 1, 1, 20));
  CHECK(resolve_dataset(*f.db, f.alice, "course").value().manifest == kH3);
  CHECK(resolve_dataset(*f.db, f.bob, "course").value().manifest == kH2);
  auto mine = list_datasets(*f.db, f.alice, false).value();
  REQUIRE(mine.size() == 3);
  CHECK(mine[0].name == "course");
  CHECK(mine[0].owner == "ada");
  CHECK(mine[1].owner == "root");
  CHECK(mine[2].name == "private");
  auto bobs = list_datasets(*f.db, f.bob, false).value();
  REQUIRE(bobs.size() == 1);
  CHECK(bobs[0].owner == "root");
  CHECK(list_datasets(*f.db, f.root, true).value().size() == 3);

  // Between two admins' datasets of one name, the most recently synced wins.
  REQUIRE(record_dataset(*f.db, f.other_admin, "course", kH1, 1, 1, 30));
  CHECK(resolve_dataset(*f.db, f.bob, "course").value().owner == "prof");
  CHECK(resolve_dataset(*f.db, f.root, "course").value().owner == "root");  // an admin's own first
}
