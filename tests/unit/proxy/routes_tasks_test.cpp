#include "tasks_fixture.hpp"

#include <lab/ledger/accounting.hpp>
#include <lab/ledger/schema.hpp>
#include <lab/storage/layout.hpp>

#include <doctest/doctest.h>

using namespace lab;
using namespace lab::proxy::testing;

TEST_CASE("proxy tasks: a submit is stored pending and its submit_task reaches the remote") {
  Fixture f("tasks-submit");
  const std::string t = f.sign_up("alice");
  const std::string snap = upload_project(f, t);
  json task = submit(f, t, snap);
  const std::string id = task["id"];
  CHECK(id.starts_with("t-"));
  CHECK(task["state"] == "pending");
  CHECK(task["user"] == "alice");
  CHECK(task["name"] == "toy");
  CHECK(task["priority"] == "high");
  CHECK(task["snapshot"] == snap);
  CHECK(task["command"] == "cd 'src' && python3 'train.py' '--lr' '0.1'");
  CHECK(task["resources"]["gpus"] == 1);
  CHECK(task["resources"]["cpus"] == 2);
  CHECK(task["resources"]["memory_bytes"] == 8LL << 30);
  CHECK(task["resources"]["time_limit_s"] == 5400);
  CHECK(task["exit_code"].is_null());

  auto msg = f.next_to_remote();
  REQUIRE(msg);
  CHECK(msg->type == "submit_task");
  const json& b = msg->body;
  CHECK(b["task_id"] == id);
  CHECK(b["user_id"] == "alice");
  CHECK(b["memory"] == "8192M");
  CHECK(b["time_limit"] == "1:30:00");
  CHECK(b["command"] == task["command"]);
  CHECK(b["storage_keys"]["project"] == storage::layout::manifest_key(snap).value());
  CHECK(b["spec"]["run"]["env"]["SEED"] == "1");
  CHECK(b["spec"]["priority"] == "high");
}

TEST_CASE("proxy tasks: bad submits answer 400 naming the problem") {
  Fixture f("tasks-bad");
  const std::string t = f.sign_up("alice");
  const std::string snap = upload_project(f, t);
  json spec = toy_spec();
  spec["resources"]["gpus"] = -3;
  auto bad = f.post("/api/v1/tasks", {{"spec", spec}, {"snapshot", snap}}, t);
  CHECK(bad->status == 400);
  CHECK(Fixture::body_of(bad)["error"]["message"].get<std::string>().find("gpus") != std::string::npos);
  auto no_spec = f.post("/api/v1/tasks", {{"snapshot", snap}}, t);
  CHECK(no_spec->status == 400);
  const std::string unknown(32, 'a');
  auto no_snap = f.post("/api/v1/tasks", {{"spec", toy_spec()}, {"snapshot", unknown}}, t);
  CHECK(no_snap->status == 400);
  CHECK(Fixture::body_of(no_snap)["error"]["message"].get<std::string>().find("upload") != std::string::npos);
  CHECK(f.post("/api/v1/tasks", {{"spec", toy_spec()}, {"snapshot", "../etc"}}, t)->status == 400);
  CHECK(f.post("/api/v1/tasks", {{"spec", toy_spec()}, {"snapshot", snap}})->status == 401);
  CHECK(Fixture::body_of(f.get("/api/v1/tasks", t))["tasks"].empty());  // nothing half-made
}

TEST_CASE("proxy tasks: students see only their own tasks; admins see all") {
  Fixture f("tasks-isolation");
  const std::string alice = f.sign_up("alice"), bob = f.sign_up("bob");
  const std::string snap = upload_project(f, alice);
  const std::string id = submit(f, alice, snap)["id"];
  submit(f, bob, snap);

  auto mine = Fixture::body_of(f.get("/api/v1/tasks", alice));
  REQUIRE(mine["tasks"].size() == 1);
  CHECK(mine["tasks"][0]["id"] == id);
  CHECK(mine["next"].is_null());

  // Bob's view of Alice's task is exactly that of a task that does not exist.
  auto theirs = f.get("/api/v1/tasks/" + id, bob);
  auto missing = f.get("/api/v1/tasks/t-991231-9999", bob);
  CHECK(theirs->status == 404);
  CHECK(missing->status == 404);
  CHECK(Fixture::body_of(theirs)["error"]["message"].get<std::string>().find(id) != std::string::npos);
  CHECK(f.post("/api/v1/tasks/" + id + "/cancel", json::object(), bob)->status == 404);
  CHECK(f.get("/api/v1/tasks/" + id + "/logs", bob)->status == 404);
  CHECK(f.get("/api/v1/tasks/" + id + "/results", bob)->status == 404);
  CHECK(f.get("/api/v1/tasks?all=1", bob)->status == 403);

  REQUIRE(proxy::add_user(f.cfg, "root", "admin password", true));
  auto login = f.post("/api/v1/auth/login", {{"name", "root"}, {"password", "admin password"}});
  const std::string admin = Fixture::body_of(login)["token"];
  CHECK(Fixture::body_of(f.get("/api/v1/tasks?all=1", admin))["tasks"].size() == 2);
  CHECK(Fixture::body_of(f.get("/api/v1/tasks", admin))["tasks"].empty());  // own tasks by default
  CHECK(f.get("/api/v1/tasks/" + id, admin)->status == 200);
}

TEST_CASE("proxy tasks: listing pages newest first and filters by state") {
  Fixture f("tasks-list");
  const std::string t = f.sign_up("alice");
  const std::string snap = upload_project(f, t);
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(submit(f, t, snap)["id"]);
  auto p1 = Fixture::body_of(f.get("/api/v1/tasks?limit=2", t));
  REQUIRE(p1["tasks"].size() == 2);
  CHECK(p1["tasks"][0]["id"] == ids[4]);
  CHECK(p1["tasks"][1]["id"] == ids[3]);
  REQUIRE(p1["next"] == ids[3]);
  auto p2 = Fixture::body_of(f.get("/api/v1/tasks?limit=2&before=" + ids[3], t));
  CHECK(p2["tasks"][0]["id"] == ids[2]);
  auto p3 = Fixture::body_of(f.get("/api/v1/tasks?limit=2&before=" + ids[1], t));
  CHECK(p3["tasks"].size() == 1);
  CHECK(p3["next"].is_null());
  CHECK(Fixture::body_of(f.get("/api/v1/tasks?state=running", t))["tasks"].empty());
  CHECK(Fixture::body_of(f.get("/api/v1/tasks?state=pending,running", t))["tasks"].size() == 5);
  CHECK(f.get("/api/v1/tasks?state=runing", t)->status == 400);
  CHECK(f.get("/api/v1/tasks?limit=0", t)->status == 400);
}

TEST_CASE("proxy tasks: remote updates move the task; reasons and events are shown; completion is accounted") {
  Fixture f("tasks-updates");
  const std::string t = f.sign_up("alice");
  const std::string id = submit(f, t, upload_project(f, t))["id"];
  f.send_raw("status_update",
             {{"task_id", id}, {"status", "queued"}, {"reason", "queued: 2 tasks ahead of yours, both workers busy"}});
  auto state = [&] { return Fixture::body_of(f.get("/api/v1/tasks/" + id, t))["task"]; };
  REQUIRE(eventually([&] { return state()["state"] == "queued"; }));
  CHECK(state()["reason"] == "queued: 2 tasks ahead of yours, both workers busy");
  // Same state, new words.
  f.send_raw("status_update", {{"task_id", id}, {"status", "queued"}, {"reason", "queued: 1 task ahead of yours"}});
  REQUIRE(eventually([&] { return state()["reason"] == "queued: 1 task ahead of yours"; }));

  f.send_raw("status_update", {{"task_id", id}, {"status", "running"}, {"at_ms", sys::real_clock().now_ms()}});
  REQUIRE(eventually([&] { return state()["state"] == "running"; }));
  CHECK(state()["started_at_ms"].is_number());

  f.send_raw("task_completed", {{"task_id", id},
                                {"status", "failed"},
                                {"exit_code", 3},
                                {"result_keys", json::array()},
                                {"gpu_seconds", 40},
                                {"cpu_seconds", 80},
                                {"wall_seconds", 40},
                                {"reason", "the script exited with code 3"}});
  REQUIRE(eventually([&] { return state()["state"] == "failed"; }));
  json s = state();
  CHECK(s["exit_code"] == 3);
  CHECK(s["reason"] == "the script exited with code 3");
  CHECK(s["finished_at_ms"].is_number());
  std::vector<std::string> states;
  for (const auto& e : s["events"]) states.push_back(e["state"]);
  CHECK(states == std::vector<std::string>{"pending", "queued", "running", "failed"});
  auto db = ledger::open_ledger(f.cfg.database.path).value();
  auto usage = ledger::task_usage(*db, id).value();
  REQUIRE(usage);
  CHECK(usage->gpu_seconds == doctest::Approx(40));
  CHECK(usage->cpu_seconds == doctest::Approx(80));
  CHECK(usage->wall_seconds == doctest::Approx(40));
}

TEST_CASE("proxy tasks: cancel a pending task here and tell the remote; a stale update after it is dropped") {
  Fixture f("tasks-cancel");
  const std::string t = f.sign_up("alice");
  const std::string id = submit(f, t, upload_project(f, t))["id"];
  REQUIRE(f.next_to_remote());  // the submit
  auto c = f.post("/api/v1/tasks/" + id + "/cancel", json::object(), t);
  REQUIRE(c->status == 202);
  CHECK(Fixture::body_of(c)["task"]["state"] == "cancelled");
  auto msg = f.next_to_remote();
  REQUIRE(msg);
  CHECK(msg->type == "cancel_task");
  CHECK(msg->body["task_id"] == id);
  CHECK(msg->body["user_id"] == "alice");
  auto again = f.post("/api/v1/tasks/" + id + "/cancel", json::object(), t);
  CHECK(again->status == 409);
  CHECK(Fixture::error_code(again) == "conflict");

  // The remote had already started preparing it: that update is dropped, not retried forever.
  proto::StatusUpdate late{};
  late.task_id = id;
  late.status = proto::TaskStatus::preparing;
  f.send_local(late);
  proto::LogChunk chunk{id, 0, "late line\n", "stdout"};
  f.send_local(chunk);
  REQUIRE(eventually([&] {
    auto r = f.get("/api/v1/tasks/" + id + "/logs", t);
    return r && r->body == "late line\n";
  }));
  CHECK(Fixture::body_of(f.get("/api/v1/tasks/" + id, t))["task"]["state"] == "cancelled");
}

TEST_CASE("proxy tasks: cancelling a running task only asks the remote") {
  Fixture f("tasks-cancel-running");
  const std::string t = f.sign_up("alice");
  const std::string id = submit(f, t, upload_project(f, t))["id"];
  REQUIRE(f.next_to_remote());
  proto::StatusUpdate run{};
  run.task_id = id;
  run.status = proto::TaskStatus::running;
  f.send_local(run);
  REQUIRE(eventually([&] { return Fixture::body_of(f.get("/api/v1/tasks/" + id, t))["task"]["state"] == "running"; }));
  auto c = f.post("/api/v1/tasks/" + id + "/cancel", json::object(), t);
  REQUIRE(c->status == 202);
  CHECK(Fixture::body_of(c)["task"]["state"] == "running");
  auto msg = f.next_to_remote();
  REQUIRE(msg);
  CHECK(msg->type == "cancel_task");
  proto::TaskCompleted done{};
  done.task_id = id;
  done.status = proto::TaskStatus::cancelled;
  f.send_local(done);
  REQUIRE(eventually([&] { return Fixture::body_of(f.get("/api/v1/tasks/" + id, t))["task"]["state"] == "cancelled"; }));
}

TEST_CASE("proxy tasks: a restart keeps tasks, and a submit made while the remote is away is delivered later") {
  Fixture f("tasks-restart");
  const std::string t = f.sign_up("alice");
  const std::string snap = upload_project(f, t);
  const std::string id = submit(f, t, snap)["id"];
  REQUIRE(f.next_to_remote());
  f.stop();
  f.start();
  auto got = f.get("/api/v1/tasks/" + id, t);
  REQUIRE(got->status == 200);
  CHECK(Fixture::body_of(got)["task"]["state"] == "pending");
  // The remote goes away; a new submit waits in the proxy's outbox and arrives once it is back.
  const std::string url = f.remote->listen_url();
  const int port = std::stoi(url.substr(url.rfind(':') + 1));
  f.remote.reset();
  const std::string id2 = submit(f, t, snap)["id"];
  f.remote = transport::make_transport(transport::testing::listener_options(f.dir / "remote.db", port)).value();
  auto msg = f.next_to_remote(20s);
  REQUIRE(msg);
  CHECK(msg->body["task_id"] == id2);
}
