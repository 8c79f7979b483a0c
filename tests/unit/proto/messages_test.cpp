#include <doctest/doctest.h>
#include <lab/proto/messages.hpp>

using namespace lab;
using namespace lab::proto;

TEST_CASE("every message type survives a trip through its envelope") {
  SubmitTask submit{"t1", "alice", "train", 1, 8, "32G", "4:00:00", "python train.py",
                    {"envs/a.tar.gz", "projects/b.tar.gz", {"datasets/c/"}, {"whls/d.whl"}}, {{"seed", 7}}};
  StatusUpdate update{"t1", TaskStatus::queued, "42", std::nullopt, std::nullopt,
                      "queued: 1 task ahead of yours", 1234};
  TaskCompleted done{"t1", TaskStatus::failed, 3, {"results/t1/out.txt"}, 10, 20, "exit 3", "exited with code 3", 17};
  StatusResponse resp{{{"t1", TaskStatus::queued, "42", std::nullopt, 5}}};
  std::vector<Message> all = {submit, CancelTask{"t1", "alice"}, QueryStatus{{"t1", "t2"}}, update, done,
                              resp, LogChunk{"t1", 100, "epoch 1\n", "stderr"}, Heartbeat{"proxy", 123},
                              Ack{"abc"}, MetricsChunk{"t1", 42, "{\"step\": 1, \"loss\": 0.5}\n"},
                              PoolSnapshot{"workers", 99, {{"w1", "worker", "mixed", 2, 1, 8, 3, 1 << 20, {"t1"}, "worker registration"}}}};
  for (const auto& m : all) {
    Envelope e = encode(m, 1000);
    CHECK(e.type == type_of(m));
    CHECK(e.id.size() == 32);
    auto parsed = parse_envelope(serialize(e));
    REQUIRE(parsed);
    CHECK(*parsed == e);
    auto back = decode(*parsed);
    REQUIRE_MESSAGE(back, back.error().message);
    CHECK(*back == m);
  }
}

TEST_CASE("message ids are fresh") {
  CHECK(new_message_id() != new_message_id());
  CHECK(valid_message_id(new_message_id()));
  CHECK_FALSE(valid_message_id(""));
  CHECK_FALSE(valid_message_id("a b"));
  CHECK_FALSE(valid_message_id(std::string(65, 'a')));
}

TEST_CASE("a malformed body is refused with a message naming the field") {
  Envelope e = make_envelope("status_update", {{"task_id", "t1"}}, 1);
  auto r = decode(e);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Errc::invalid_argument);
  CHECK(r.error().message == "status_update: field 'status' is missing");

  e.body = {{"task_id", "t1"}, {"status", "sleeping"}};
  r = decode(e);
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("'sleeping', which is not a task status") != std::string::npos);

  e = make_envelope("task_completed", {{"task_id", "t1"}, {"status", "running"}}, 1);
  r = decode(e);
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("field 'status' must be completed, failed or cancelled") != std::string::npos);

  e = make_envelope("log_chunk", {{"task_id", "t1"}, {"offset", -1}, {"data", ""}, {"stream", "stdout"}}, 1);
  r = decode(e);
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("log_chunk: field 'offset' must be at least 0") != std::string::npos);

  e = make_envelope("pool_snapshot", {{"executor", "workers"}, {"at_ms", 1}, {"slots", {{{"name", "w1"}}}}}, 1);
  r = decode(e);
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("pool_snapshot.slots[0]: field 'kind' is missing") != std::string::npos);

  e = make_envelope("query_status", {{"task_ids", {"a", 3}}}, 1);
  r = decode(e);
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("item 1 is number") != std::string::npos);
}

TEST_CASE("an unknown type is reported as unsupported, not as a malformed message") {
  auto r = decode(make_envelope("teleport", nlohmann::json::object(), 1));
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Errc::unsupported);
  CHECK(r.error().message.find("unknown message type 'teleport'") != std::string::npos);
  CHECK_FALSE(known_type("teleport"));
  CHECK(known_type("submit_task"));
}

TEST_CASE("envelope reading names what is wrong") {
  auto r = parse_envelope("{\"v\":1,");
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("not valid JSON") != std::string::npos);

  r = parse_envelope(R"({"v":1,"type":"ack","sent_at_ms":1,"body":{}})");
  REQUIRE_FALSE(r);
  CHECK(r.error().message == "envelope: field 'id' is missing");

  r = parse_envelope(R"({"v":2,"id":"a","type":"ack","sent_at_ms":1,"body":{}})");
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("field 'v' is 2") != std::string::npos);

  r = parse_envelope(R"({"v":1,"id":"a","type":"ack","sent_at_ms":1,"body":[]})");
  REQUIRE_FALSE(r);
  CHECK(r.error().message == "envelope: field 'body' must be an object, got array");

  r = parse_envelope(R"({"v":1,"id":"a","type":"whatever","sent_at_ms":1,"body":{}})");
  CHECK(r);  // unknown types travel; the receiver decides
}

TEST_CASE("task statuses read back and know which are final") {
  for (auto s : {TaskStatus::uploading, TaskStatus::pending, TaskStatus::preparing, TaskStatus::queued,
                 TaskStatus::running, TaskStatus::completed, TaskStatus::failed, TaskStatus::cancelled})
    CHECK(parse_task_status(to_string(s)) == s);
  CHECK_FALSE(parse_task_status("done"));
  CHECK(is_final(TaskStatus::cancelled));
  CHECK_FALSE(is_final(TaskStatus::running));
}
