// Tasks (docs/api.md, "Tasks"): submit, list, show, cancel. A submit creates the ledger task
// and queues its submit_task message in one transaction, so neither exists without the other.
#include "command_line.hpp"
#include "datasets.hpp"
#include "http.hpp"
#include "routes.hpp"
#include "task_view.hpp"

#include <lab/config/diagnostic.hpp>
#include <lab/config/task_json.hpp>
#include <lab/proto/messages.hpp>
#include <lab/storage/layout.hpp>
#include <lab/transport/durable.hpp>

namespace lab::proxy {
namespace {

constexpr const char* kTaskPath = "/api/v1/tasks/([A-Za-z0-9._-]+)";

void do_submit(Context& ctx, const httplib::Request& req, httplib::Response& res,
               const httplib::ContentReader& reader) {
  auto body = read_json_body(reader, res);
  if (!body) return;
  auto db = ctx.db->acquire();
  if (!db) return send_error(res, db.error());
  auto user = authenticate(ctx, **db, req, res);
  if (!user) return;
  auto spec_it = body->find("spec");
  if (spec_it == body->end() || !spec_it->is_object())
    return send_error(res, 400, "invalid_argument", "field 'spec' is missing or not an object (task.toml as JSON)");
  auto spec = config::task_from_json(*spec_it, "spec");
  if (!spec) return send_error(res, 400, "invalid_argument", config::to_error(spec.error()).message);
  auto snapshot = string_field(*body, "snapshot", res);
  if (!snapshot) return;
  auto manifest = storage::layout::manifest_key(*snapshot);
  if (!manifest) return send_error(res, 400, "invalid_argument", "field 'snapshot': " + manifest.error().message);
  auto there = ctx.storage->exists(*manifest);
  if (!there) return send_error(res, there.error());
  if (!*there)
    return send_error(res, 400, "invalid_argument",
                      "snapshot " + *snapshot + " was not uploaded to this proxy; upload the project first");

  // Each dataset name, in order, becomes the storage folder of its current manifest; a
  // later sync of the name does not change this task (docs/api.md, "Datasets").
  std::vector<std::string> data_keys;
  for (const auto& name : spec->files.datasets) {
    auto d = resolve_dataset(**db, *user, name);
    if (!d) return send_error(res, d.error());
    auto key = storage::layout::dataset_prefix(d->manifest);
    if (!key) return send_error(res, key.error());
    data_keys.push_back(*key);
  }

  const std::string command = task_command(*spec);
  const json spec_json = config::task_to_json(*spec);
  ledger::NewTask nt;
  nt.user_id = user->id;
  nt.name = spec->name.empty() ? "task" : spec->name;
  nt.spec_json = spec_json.dump();
  nt.initial = ledger::TaskState::pending;
  nt.priority = spec->priority == config::Priority::high ? 1 : 0;
  nt.gpus = spec->resources.gpus;
  nt.cpus = spec->resources.cpus;
  nt.memory_bytes = static_cast<std::int64_t>(spec->resources.memory_bytes);
  nt.time_limit_s = spec->resources.time_limit_seconds;
  nt.manifest_key = *manifest;
  nt.reason = "accepted by the proxy; waiting for the cluster to take it";

  ledger::Task created;
  const std::int64_t now = ctx.now_ms();
  auto tx = (*db)->transaction([&](ledger::Db& t) -> Result<void> {
    auto task = ledger::create_task(t, nt, now);
    if (!task) return std::unexpected(task.error());
    created = *task;
    auto ins = t.prepare("INSERT INTO proxy_tasks(task_id, snapshot, command) VALUES (?, ?, ?)");
    if (!ins) return std::unexpected(ins.error());
    ins->bind_all(created.id, *snapshot, command);
    if (auto r = ins->run(); !r) return r;
    proto::SubmitTask m;
    m.task_id = created.id;
    m.user_id = user->name;
    m.name = created.name;
    m.gpus = created.gpus;
    m.cpus = created.cpus;
    m.memory = memory_text(spec->resources.memory_bytes);
    m.time_limit = time_limit_text(spec->resources.time_limit_seconds);
    m.command = command;
    m.storage_keys.project = *manifest;
    m.storage_keys.data = data_keys;
    m.spec = spec_json;
    auto q = transport::enqueue(t, transport::kToRemote, proto::encode(m, now));
    if (!q) return std::unexpected(q.error());
    return {};
  });
  if (!tx) return send_error(res, tx.error());
  ctx.transport->notify_outbox();
  ctx.log("task " + created.id + " submitted by " + user->name);
  auto view = TaskViews(**db).view(created);
  if (!view) return send_error(res, view.error());
  send_json(res, 201, {{"task", *view}});
}

void do_list(Context& ctx, const httplib::Request& req, httplib::Response& res) {
  auto db = ctx.db->acquire();
  if (!db) return send_error(res, db.error());
  auto user = authenticate(ctx, **db, req, res);
  if (!user) return;
  auto limit = int_param(req, "limit", 20, 1, 1000, res);
  if (!limit) return;
  ledger::TaskQuery q;
  q.limit = static_cast<int>(*limit);
  const bool all = req.get_param_value("all") == "1" || req.get_param_value("all") == "true";
  if (all && !user->is_admin) return send_error(res, 403, "permission_denied", "only admins may list every user's tasks");
  if (!all) q.user_id = user->id;
  if (req.has_param("state")) {
    const std::string list = req.get_param_value("state");
    std::string_view rest = list;
    while (!rest.empty()) {
      auto comma = rest.find(',');
      std::string_view name = rest.substr(0, comma);
      auto s = ledger::parse_task_state(name);
      if (!s) return send_error(res, 400, "invalid_argument", "parameter 'state' names an unknown state '" + std::string(name) + "'");
      q.states.push_back(*s);
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    }
  }
  if (const std::string name = req.get_param_value("name"); !name.empty()) q.name_contains = name;
  if (req.has_param("before")) {
    auto cursor = visible_task(**db, *user, req.get_param_value("before"));
    if (!cursor) return send_error(res, 400, "invalid_argument", "parameter 'before' is not one of your task ids");
    q.before_seq = cursor->seq;
  }
  auto page = ledger::list_tasks(**db, q);
  if (!page) return send_error(res, page.error());
  TaskViews views(**db);
  json tasks = json::array();
  for (const auto& t : page->tasks) {
    auto v = views.view(t);
    if (!v) return send_error(res, v.error());
    tasks.push_back(std::move(*v));
  }
  json next = page->next_before && !page->tasks.empty() ? json(page->tasks.back().id) : json(nullptr);
  send_json(res, 200, {{"tasks", std::move(tasks)}, {"next", std::move(next)}});
}

void do_show(Context& ctx, const httplib::Request& req, httplib::Response& res) {
  auto db = ctx.db->acquire();
  if (!db) return send_error(res, db.error());
  auto user = authenticate(ctx, **db, req, res);
  if (!user) return;
  auto task = visible_task_or_404(**db, *user, req.matches[1].str(), res);
  if (!task) return;
  auto view = TaskViews(**db).view(*task, true);
  if (!view) return send_error(res, view.error());
  send_json(res, 200, {{"task", *view}});
}

// Sends cancel_task; a task the remote has not reported on yet (pending) is cancelled here
// at once too. Both in one transaction, reading the state under the write lock.
void do_cancel(Context& ctx, const httplib::Request& req, httplib::Response& res) {
  auto db = ctx.db->acquire();
  if (!db) return send_error(res, db.error());
  auto user = authenticate(ctx, **db, req, res);
  if (!user) return;
  const std::string id = req.matches[1].str();
  if (!visible_task_or_404(**db, *user, id, res)) return;
  bool conflict = false;
  ledger::Task task;
  auto tx = (*db)->transaction([&](ledger::Db& t) -> Result<void> {
    auto got = ledger::get_task(t, id);
    if (!got) return std::unexpected(got.error());
    task = *got;
    if (ledger::is_terminal(task.state)) {
      conflict = true;
      return {};
    }
    auto owner = ledger::find_user(t, task.user_id);
    if (!owner) return std::unexpected(owner.error());
    auto q = transport::enqueue(t, transport::kToRemote, proto::encode(proto::CancelTask{id, owner->name}, ctx.now_ms()));
    if (!q) return std::unexpected(q.error());
    if (task.state == ledger::TaskState::pending) {
      auto moved = ledger::transition(t, id, ledger::TaskState::cancelled,
                                      "cancelled by " + user->name + " before it started", ctx.now_ms());
      if (!moved) return std::unexpected(moved.error());
    }
    return {};
  });
  if (!tx) return send_error(res, tx.error());
  if (conflict)
    return send_error(res, 409, "conflict",
                      "task " + id + " already finished (" + std::string(ledger::to_string(task.state)) +
                          "); there is nothing to cancel");
  ctx.transport->notify_outbox();
  ctx.logs.notify(id);
  ctx.log("task " + id + " cancel requested by " + user->name);
  auto now = ledger::get_task(**db, id);
  if (!now) return send_error(res, now.error());
  auto view = TaskViews(**db).view(*now, true);
  if (!view) return send_error(res, view.error());
  send_json(res, 202, {{"task", *view}});
}

}  // namespace

void add_task_routes(httplib::Server& server, Context& ctx) {
  server.Post("/api/v1/tasks",
              [&ctx](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
                do_submit(ctx, req, res, reader);
              });
  server.Get("/api/v1/tasks", [&ctx](const httplib::Request& req, httplib::Response& res) { do_list(ctx, req, res); });
  server.Get(kTaskPath, [&ctx](const httplib::Request& req, httplib::Response& res) { do_show(ctx, req, res); });
  server.Post(std::string(kTaskPath) + "/cancel",
              [&ctx](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
                reader([](const char*, std::size_t) { return true; });
                do_cancel(ctx, req, res);
              });
}

}  // namespace lab::proxy
