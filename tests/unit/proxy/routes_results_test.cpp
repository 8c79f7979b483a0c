#include "tasks_fixture.hpp"

#include <doctest/doctest.h>

#include <fstream>

using namespace lab;
using namespace lab::proxy::testing;

namespace {

void put_result(Fixture& f, const std::string& id, const std::string& path, const std::string& content) {
  auto p = f.dir / "storage" / "results" / id / "files" / path;
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << content;
}

}  // namespace

TEST_CASE("proxy results: listing with sizes and hashes, downloads with Range") {
  Fixture f("results");
  const std::string t = f.sign_up("alice");
  const std::string id = submit(f, t, upload_project(f, t))["id"];
  auto none = Fixture::body_of(f.get("/api/v1/tasks/" + id + "/results", t));
  CHECK(none["files"].empty());
  CHECK(none["complete"] == false);

  const std::string metrics = "{\"loss\": 0.25}\n", weights(100'000, 'w');
  put_result(f, id, "outputs/metrics.json", metrics);
  put_result(f, id, "outputs/model/weights.bin", weights);
  f.send_raw("status_update", {{"task_id", id}, {"status", "running"}});
  f.send_raw("task_completed", {{"task_id", id}, {"status", "completed"}, {"exit_code", 0}, {"result_keys", json::array()}});
  REQUIRE(eventually([&] { return Fixture::body_of(f.get("/api/v1/tasks/" + id + "/results", t))["complete"] == true; }));
  auto list = Fixture::body_of(f.get("/api/v1/tasks/" + id + "/results", t));
  REQUIRE(list["files"].size() == 2);
  CHECK(list["files"][0]["path"] == "outputs/metrics.json");
  CHECK(list["files"][0]["size"] == metrics.size());
  CHECK(list["files"][0]["hash"] == files::Hash128::of(metrics).hex());
  CHECK(list["files"][1]["path"] == "outputs/model/weights.bin");
  CHECK(list["files"][1]["hash"] == files::Hash128::of(weights).hex());
  // Listed again, the hash comes from the proxy's cache and is the same.
  CHECK(Fixture::body_of(f.get("/api/v1/tasks/" + id + "/results", t))["files"] == list["files"]);

  auto whole = f.get("/api/v1/tasks/" + id + "/results/outputs/model/weights.bin", t);
  REQUIRE(whole->status == 200);
  CHECK(whole->body == weights);
  auto headers = Fixture::bearer(t);
  headers.emplace("Range", "bytes=10-19");
  auto part = f.http->Get(("/api/v1/tasks/" + id + "/results/outputs/metrics.json").c_str(), headers);
  REQUIRE(part->status == 206);
  REQUIRE(metrics.size() == 15);
  CHECK(part->body == metrics.substr(10));  // clipped to the end
  CHECK(part->get_header_value("Content-Range") == "bytes 10-14/15");
  headers.erase("Range");
  headers.emplace("Range", "bytes=99990-");
  auto from = f.http->Get(("/api/v1/tasks/" + id + "/results/outputs/model/weights.bin").c_str(), headers);
  REQUIRE(from->status == 206);
  CHECK(from->body == std::string(10, 'w'));
  headers.erase("Range");
  headers.emplace("Range", "bytes=-4");
  auto suffix = f.http->Get(("/api/v1/tasks/" + id + "/results/outputs/metrics.json").c_str(), headers);
  CHECK(suffix->body == metrics.substr(metrics.size() - 4));
  headers.erase("Range");
  headers.emplace("Range", "bytes=500-600");
  auto beyond = f.http->Get(("/api/v1/tasks/" + id + "/results/outputs/metrics.json").c_str(), headers);
  CHECK(beyond->status == 416);

  CHECK(f.get("/api/v1/tasks/" + id + "/results/outputs/nothing.txt", t)->status == 404);
  CHECK(f.get("/api/v1/tasks/" + id + "/results/../../../etc/passwd", t)->status != 200);
  const std::string bob = f.sign_up("bob");
  CHECK(f.get("/api/v1/tasks/" + id + "/results/outputs/metrics.json", bob)->status == 404);
}

TEST_CASE("proxy results: the remote's files.json is the listing, and downloads of a finished task reuse its sizes") {
  Fixture f("results-list");
  const std::string t = f.sign_up("alice");
  const std::string id = submit(f, t, upload_project(f, t))["id"];
  const std::string loss = "{\"loss\": 0.125}\n";
  put_result(f, id, "outputs/loss.json", loss);
  put_result(f, id, "outputs/stray.txt", "not in the list");  // e.g. left by an interrupted store
  files::Manifest m;
  files::Entry e;
  e.path = "outputs/loss.json";
  e.size = loss.size();
  e.hash = files::Hash128::of(loss);
  m.entries.push_back(e);
  std::ofstream(f.dir / "storage" / "results" / id / "files.json", std::ios::binary) << files::to_json(m);

  auto running = Fixture::body_of(f.get("/api/v1/tasks/" + id + "/results", t));
  REQUIRE(running["files"].size() == 1);
  CHECK(running["files"][0]["path"] == "outputs/loss.json");
  CHECK(running["files"][0]["size"] == loss.size());
  CHECK(running["files"][0]["hash"] == e.hash.hex());

  f.send_raw("task_completed", {{"task_id", id}, {"status", "completed"}, {"exit_code", 0}, {"result_keys", json::array()}});
  REQUIRE(eventually([&] { return Fixture::body_of(f.get("/api/v1/tasks/" + id + "/results", t))["complete"] == true; }));
  auto got = f.get("/api/v1/tasks/" + id + "/results/outputs/loss.json", t);
  REQUIRE(got->status == 200);
  CHECK(got->body == loss);
  auto headers = Fixture::bearer(t);
  headers.emplace("Range", "bytes=2-5");
  auto part = f.http->Get(("/api/v1/tasks/" + id + "/results/outputs/loss.json").c_str(), headers);
  REQUIRE(part->status == 206);
  CHECK(part->body == loss.substr(2, 4));
  CHECK(f.get("/api/v1/tasks/" + id + "/results/outputs/other.json", t)->status == 404);
  // Another student sees neither the list nor the files.
  const std::string bob = f.sign_up("bob");
  CHECK(f.get("/api/v1/tasks/" + id + "/results", bob)->status == 404);
  CHECK(f.get("/api/v1/tasks/" + id + "/results/outputs/loss.json", bob)->status == 404);

  // A listed file that vanished from storage never arrives as a whole, wrong download.
  std::filesystem::remove(f.dir / "storage" / "results" / id / "files" / "outputs" / "loss.json");
  auto gone = f.get("/api/v1/tasks/" + id + "/results/outputs/loss.json", t);
  CHECK((!gone || gone->body != loss));
}
