#include "decode.hpp"

namespace lab::client::decode {
namespace {

using nlohmann::json;

template <class T>
std::optional<T> optional_of(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  return it->get<T>();
}

std::string text_of(const json& j, const char* key) {
  auto it = j.find(key);
  return it == j.end() || it->is_null() ? std::string() : it->get<std::string>();
}

}  // namespace

User user(const json& j) {
  return User{j.at("name").get<std::string>(), j.value("is_admin", false), j.value("created_at_ms", std::int64_t{0})};
}

Session session(const json& j) {
  return Session{user(j.at("user")), text_of(j, "token"), j.value("expires_at_ms", std::int64_t{0})};
}

Task task(const json& j) {
  Task t;
  t.id = j.at("id").get<std::string>();
  t.state = j.at("state").get<std::string>();
  t.name = text_of(j, "name");
  t.user = text_of(j, "user");
  t.reason = text_of(j, "reason");
  t.priority = text_of(j, "priority");
  t.command = text_of(j, "command");
  t.snapshot = text_of(j, "snapshot");
  if (auto r = j.find("resources"); r != j.end() && r->is_object()) {
    t.gpus = r->value("gpus", 0);
    t.cpus = r->value("cpus", 0);
    t.memory_bytes = r->value("memory_bytes", std::uint64_t{0});
    t.time_limit_s = r->value("time_limit_s", std::int64_t{0});
  }
  t.exit_code = optional_of<int>(j, "exit_code");
  t.created_at_ms = optional_of<std::int64_t>(j, "created_at_ms").value_or(0);
  t.updated_at_ms = optional_of<std::int64_t>(j, "updated_at_ms").value_or(0);
  t.started_at_ms = optional_of<std::int64_t>(j, "started_at_ms");
  t.finished_at_ms = optional_of<std::int64_t>(j, "finished_at_ms");
  if (auto ev = j.find("events"); ev != j.end() && ev->is_array())
    for (const auto& e : *ev)
      t.events.push_back(TaskEvent{e.at("state").get<std::string>(), text_of(e, "reason"),
                                   optional_of<std::int64_t>(e, "at_ms").value_or(0)});
  return t;
}

TaskPage task_page(const json& j) {
  TaskPage p;
  for (const auto& t : j.at("tasks")) p.tasks.push_back(task(t));
  p.next = optional_of<std::string>(j, "next");
  return p;
}

ResultList results(const json& j) {
  ResultList r;
  for (const auto& f : j.at("files"))
    r.files.push_back(ResultFile{f.at("path").get<std::string>(), f.value("size", std::uint64_t{0}), text_of(f, "hash")});
  r.complete = j.value("complete", false);
  return r;
}

Dataset dataset(const json& j) {
  Dataset d;
  d.name = j.at("name").get<std::string>();
  d.owner = text_of(j, "owner");
  d.course_wide = j.value("course_wide", false);
  d.manifest = j.at("manifest").get<std::string>();
  d.key = text_of(j, "key");
  d.files = j.value("files", std::uint64_t{0});
  d.bytes = j.value("bytes", std::uint64_t{0});
  d.created_at_ms = j.value("created_at_ms", std::int64_t{0});
  d.updated_at_ms = j.value("updated_at_ms", std::int64_t{0});
  d.shadowed = j.value("shadowed", false);
  return d;
}

}  // namespace lab::client::decode

namespace lab::client {

nlohmann::json to_json(const Task& t) {
  using nlohmann::json;
  auto opt = [](const auto& v) { return v ? json(*v) : json(nullptr); };
  json events = json::array();
  for (const auto& e : t.events) events.push_back({{"state", e.state}, {"reason", e.reason}, {"at_ms", e.at_ms}});
  return {{"id", t.id}, {"name", t.name}, {"user", t.user}, {"state", t.state}, {"reason", t.reason},
          {"priority", t.priority}, {"command", t.command},
          {"resources", {{"gpus", t.gpus}, {"cpus", t.cpus}, {"memory_bytes", t.memory_bytes}, {"time_limit_s", t.time_limit_s}}},
          {"snapshot", t.snapshot}, {"exit_code", opt(t.exit_code)}, {"created_at_ms", t.created_at_ms},
          {"updated_at_ms", t.updated_at_ms}, {"started_at_ms", opt(t.started_at_ms)},
          {"finished_at_ms", opt(t.finished_at_ms)}, {"events", events}};
}

nlohmann::json to_json(const Dataset& d) {
  return {{"name", d.name},         {"owner", d.owner},     {"course_wide", d.course_wide},
          {"manifest", d.manifest}, {"key", d.key},         {"files", d.files},
          {"bytes", d.bytes},       {"created_at_ms", d.created_at_ms},
          {"updated_at_ms", d.updated_at_ms}, {"shadowed", d.shadowed}};
}

}  // namespace lab::client
