#include "tasks_fixture.hpp"

#include <lab/files/manifest.hpp>
#include <lab/storage/layout.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>

using namespace lab;
using namespace lab::proxy::testing;

namespace {

std::string hash_of(const std::string& s) { return files::Hash128::of(s).hex(); }

json manifest_of(const std::vector<std::pair<std::string, std::string>>& files) {
  files::Manifest m;
  for (const auto& [path, content] : files) {
    files::Entry e;
    e.path = path;
    e.size = content.size();
    e.hash = files::Hash128::of(content);
    m.entries.push_back(e);
  }
  std::sort(m.entries.begin(), m.entries.end(), [](auto& a, auto& b) { return a.path < b.path; });
  return json::parse(files::to_json(m));
}

// Uploads `files`' contents and registers them as `name`; returns the answer's body.
json sync(Fixture& f, const std::string& token, const std::string& name,
          const std::vector<std::pair<std::string, std::string>>& files, int expect = 0) {
  std::vector<std::pair<std::string, std::string>> blobs;
  for (const auto& [path, content] : files) blobs.push_back({hash_of(content), content});
  auto up = f.http->Post("/api/v1/blobs", Fixture::bearer(token), tar_of(blobs), "application/x-lab-blobs");
  REQUIRE(up);
  REQUIRE_MESSAGE(up->status == 200, up->body);
  auto r = f.post("/api/v1/datasets", {{"name", name}, {"manifest", manifest_of(files)}}, token);
  REQUIRE(r);
  if (expect) CHECK_MESSAGE(r->status == expect, r->body);
  else CHECK_MESSAGE((r->status == 200 || r->status == 201), r->body);
  return Fixture::body_of(r);
}

std::string admin_token(Fixture& f) {
  REQUIRE(proxy::add_user(f.cfg, "root", "admin password", true));
  auto login = f.post("/api/v1/auth/login", {{"name", "root"}, {"password", "admin password"}});
  REQUIRE(login->status == 200);
  return Fixture::body_of(login)["token"];
}

json with_datasets(std::vector<std::string> names) {
  json spec = toy_spec();
  spec["files"] = {{"datasets", names}};
  return spec;
}

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace

TEST_CASE("proxy datasets: sync stores the manifest like a snapshot's, under datasets/<hash>/") {
  Fixture f("datasets-sync");
  const std::string t = f.sign_up("alice");
  const std::vector<std::pair<std::string, std::string>> files = {{"train/a.bin", std::string(5000, 'a')},
                                                                   {"test/b.bin", "bbb"}};
  json first = sync(f, t, "mnist", files, 201);
  const std::string h = first["dataset"]["manifest"];
  CHECK(first["previous"].is_null());
  CHECK(first["dataset"]["name"] == "mnist");
  CHECK(first["dataset"]["owner"] == "alice");
  CHECK(first["dataset"]["course_wide"] == false);
  CHECK(first["dataset"]["files"] == 2);
  CHECK(first["dataset"]["bytes"] == 5003);
  CHECK(first["dataset"]["key"] == "datasets/" + h + "/");
  // The same hash a project snapshot of those files gets, and the same canonical JSON.
  auto snap = f.post("/api/v1/snapshots", {{"manifest", manifest_of(files)}}, t);
  REQUIRE(snap->status == 201);
  CHECK(Fixture::body_of(snap)["snapshot"] == h);
  const std::string stored = slurp(f.dir / "storage" / (storage::layout::dataset_prefix(h).value() + "manifest.json"));
  CHECK(stored == slurp(f.dir / "storage" / storage::layout::manifest_key(h).value()));
  CHECK(hash_of(stored) == h);
  // Blobs are at the project blob keys.
  CHECK(std::filesystem::exists(f.dir / "storage" / storage::layout::blob_key(hash_of("bbb")).value()));

  // The same folder again: 200, unchanged.
  json again = sync(f, t, "mnist", files, 200);
  CHECK(again["previous"] == h);
  CHECK(again["dataset"]["manifest"] == h);
  // Changed content: a new manifest, the old one named as previous.
  json changed = sync(f, t, "mnist", {{"test/b.bin", "bbbb"}}, 200);
  CHECK(changed["previous"] == h);
  CHECK(changed["dataset"]["manifest"] != h);

  auto shown = f.get("/api/v1/datasets/mnist", t);
  REQUIRE(shown->status == 200);
  CHECK(Fixture::body_of(shown)["dataset"]["manifest"] == changed["dataset"]["manifest"]);
}

TEST_CASE("proxy datasets: bad syncs answer 4xx naming the problem") {
  Fixture f("datasets-bad");
  const std::string t = f.sign_up("alice");
  auto m = manifest_of({{"a.bin", "never uploaded"}});
  auto missing = f.post("/api/v1/datasets", {{"name", "d"}, {"manifest", m}}, t);
  CHECK(missing->status == 409);
  CHECK(Fixture::body_of(missing)["missing"] == json({hash_of("never uploaded")}));
  CHECK(f.get("/api/v1/datasets/d", t)->status == 404);  // nothing recorded

  for (const char* bad : {"", "has space", "../up", ".hidden", "a/b"}) {
    auto r = f.post("/api/v1/datasets", {{"name", bad}, {"manifest", m}}, t);
    CHECK_MESSAGE(r->status == 400, bad);
    CHECK(Fixture::body_of(r)["error"]["message"].get<std::string>().find("dataset name") != std::string::npos);
  }
  auto long_name = f.post("/api/v1/datasets", {{"name", std::string(65, 'x')}, {"manifest", m}}, t);
  CHECK(long_name->status == 400);
  auto empty = f.post("/api/v1/datasets", {{"name", "empty"}, {"manifest", manifest_of({})}}, t);
  CHECK(empty->status == 400);
  CHECK(Fixture::body_of(empty)["error"]["message"].get<std::string>().find("no files") != std::string::npos);
  CHECK(f.post("/api/v1/datasets", {{"name", "d"}}, t)->status == 400);
  CHECK(f.post("/api/v1/datasets", {{"name", "d"}, {"manifest", m}})->status == 401);
  CHECK(f.get("/api/v1/datasets")->status == 401);
}

TEST_CASE("proxy datasets: isolation between students; admins' datasets are course-wide") {
  Fixture f("datasets-isolation");
  const std::string alice = f.sign_up("alice"), bob = f.sign_up("bob");
  const std::string root = admin_token(f);
  json mine = sync(f, alice, "alice-data", {{"x.bin", "alice's secret"}});
  json course = sync(f, root, "course", {{"y.bin", "for everyone"}});

  // Bob: Alice's dataset is exactly "not found", in show, list and submit.
  auto shown = f.get("/api/v1/datasets/alice-data", bob);
  CHECK(shown->status == 404);
  auto nothing = f.get("/api/v1/datasets/no-such", bob);
  CHECK(nothing->status == 404);
  CHECK(Fixture::error_code(shown) == Fixture::error_code(nothing));
  json bobs = Fixture::body_of(f.get("/api/v1/datasets", bob))["datasets"];
  REQUIRE(bobs.size() == 1);
  CHECK(bobs[0]["name"] == "course");
  CHECK(bobs[0]["owner"] == "root");
  CHECK(bobs[0]["course_wide"] == true);
  CHECK(f.get("/api/v1/datasets?all=1", bob)->status == 403);

  const std::string bob_snap = upload_project(f, bob);
  auto refused = f.post("/api/v1/tasks", {{"spec", with_datasets({"course", "alice-data"})}, {"snapshot", bob_snap}}, bob);
  REQUIRE(refused);
  CHECK(refused->status == 404);
  const std::string msg = Fixture::body_of(refused)["error"]["message"];
  CHECK(msg.find("\"alice-data\"") != std::string::npos);
  CHECK(msg.find("lab data list") != std::string::npos);
  CHECK(msg.find("lab data sync") != std::string::npos);
  CHECK(Fixture::body_of(f.get("/api/v1/tasks", bob))["tasks"].empty());  // no task was made

  // Bob may use the course-wide one; the message carries its key, the spec keeps the name.
  json task = submit(f, bob, bob_snap, with_datasets({"course"}));
  auto sent = f.next_to_remote();
  REQUIRE(sent);
  CHECK(sent->body["task_id"] == task["id"]);
  CHECK(sent->body["storage_keys"]["data"] == json({"datasets/" + course["dataset"]["manifest"].get<std::string>() + "/"}));
  CHECK(sent->body["spec"]["files"]["datasets"] == json({"course"}));

  // Alice: both, in the order task.toml names them; the admin sees everyone's with all=1.
  const std::string alice_snap = upload_project(f, alice);
  submit(f, alice, alice_snap, with_datasets({"alice-data", "course"}));
  auto alices = f.next_to_remote();
  REQUIRE(alices);
  CHECK(alices->body["storage_keys"]["data"] ==
        json({"datasets/" + mine["dataset"]["manifest"].get<std::string>() + "/",
              "datasets/" + course["dataset"]["manifest"].get<std::string>() + "/"}));
  CHECK(Fixture::body_of(f.get("/api/v1/datasets?all=1", root))["datasets"].size() == 2);
  CHECK(Fixture::body_of(f.get("/api/v1/datasets", root))["datasets"].size() == 1);  // own + admins'

  // A later sync of the name changes what new tasks get, not the ones already sent.
  json resynced = sync(f, root, "course", {{"y.bin", "for everyone, v2"}}, 200);
  submit(f, bob, bob_snap, with_datasets({"course"}));
  auto later = f.next_to_remote();
  REQUIRE(later);
  CHECK(later->body["storage_keys"]["data"] ==
        json({"datasets/" + resynced["dataset"]["manifest"].get<std::string>() + "/"}));
  CHECK(resynced["dataset"]["manifest"] != course["dataset"]["manifest"]);

  // Alice's own "course" shadows the admin's for her only.
  sync(f, alice, "course", {{"z.bin", "alice's course copy"}});
  json alices_list = Fixture::body_of(f.get("/api/v1/datasets", alice))["datasets"];
  REQUIRE(alices_list.size() == 3);
  CHECK(alices_list[0]["name"] == "alice-data");
  CHECK(alices_list[1]["name"] == "course");
  CHECK(alices_list[1]["owner"] == "alice");
  CHECK(alices_list[1]["shadowed"] == false);
  CHECK(alices_list[2]["owner"] == "root");
  CHECK(alices_list[2]["shadowed"] == true);
  CHECK(Fixture::body_of(f.get("/api/v1/datasets/course", bob))["dataset"]["owner"] == "root");
}
