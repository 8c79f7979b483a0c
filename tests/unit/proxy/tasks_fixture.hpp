// Tasks test helpers: an uploaded one-file project and a submitted task.
#pragma once

#include "fixture.hpp"

#include <lab/files/manifest.hpp>

namespace lab::proxy::testing {

// Uploads a one-file project for `token` and returns its snapshot id.
inline std::string upload_project(Fixture& f, const std::string& token, const std::string& content = "print(1)\n") {
  const std::string h = files::Hash128::of(content).hex();
  auto up = f.http->Post("/api/v1/blobs", Fixture::bearer(token), tar_of({{h, content}}), "application/x-lab-blobs");
  REQUIRE(up);
  REQUIRE_MESSAGE(up->status == 200, up->body);
  files::Manifest m;
  files::Entry e;
  e.path = "src/train.py";
  e.size = content.size();
  e.hash = files::Hash128::of(content);
  m.entries.push_back(e);
  auto snap = f.post("/api/v1/snapshots", {{"manifest", json::parse(files::to_json(m))}}, token);
  REQUIRE(snap);
  REQUIRE_MESSAGE(snap->status == 201, snap->body);
  return Fixture::body_of(snap)["snapshot"];
}

inline json toy_spec() {
  return {{"name", "toy"},
          {"priority", "high"},
          {"resources", {{"gpus", 1}, {"cpus", 2}, {"memory", "8G"}, {"time_limit", "1:30:00"}}},
          {"run", {{"workdir", "src"}, {"script", "train.py"}, {"args", {"--lr", "0.1"}}, {"env", {{"SEED", "1"}}}}}};
}

// Submits `spec` on `snapshot` and returns the Task JSON.
inline json submit(Fixture& f, const std::string& token, const std::string& snapshot, const json& spec = toy_spec()) {
  auto r = f.post("/api/v1/tasks", {{"spec", spec}, {"snapshot", snapshot}}, token);
  REQUIRE(r);
  REQUIRE_MESSAGE(r->status == 201, r->body);
  return Fixture::body_of(r)["task"];
}

}  // namespace lab::proxy::testing
