// Usage and the admin's views (docs/api.md, "Usage and admin"): my usage, every user with
// theirs, and the remote's compute pool. Usage is the proxy ledger's accounting of finished
// tasks (ledger/accounting.hpp), as the remote measured it.
#include "http.hpp"
#include "routes.hpp"

#include <lab/ledger/accounting.hpp>

#include <map>

namespace lab::proxy {
namespace {

json usage_json(const ledger::UsageTotals& u) {
  return {{"tasks", u.tasks}, {"gpu_seconds", u.gpu_seconds}, {"cpu_seconds", u.cpu_seconds},
          {"wall_seconds", u.wall_seconds}};
}

void do_my_usage(Context& ctx, const httplib::Request& req, httplib::Response& res) {
  auto db = ctx.db->acquire();
  if (!db) return send_error(res, db.error());
  auto user = authenticate(ctx, **db, req, res);
  if (!user) return;
  auto u = ledger::user_usage(**db, user->id);
  if (!u) return send_error(res, u.error());
  send_json(res, 200, {{"user", user->name}, {"usage", usage_json(*u)}, {"source", "proxy ledger: finished tasks"}});
}

// The caller if an admin; else the 401/403 is already in `res`.
std::optional<ledger::User> admin(Context& ctx, ledger::Db& db, const httplib::Request& req, httplib::Response& res) {
  auto user = authenticate(ctx, db, req, res);
  if (!user) return std::nullopt;
  if (!user->is_admin) {
    send_error(res, 403, "permission_denied", "only admins may see this");
    return std::nullopt;
  }
  return user;
}

void do_users(Context& ctx, const httplib::Request& req, httplib::Response& res) {
  auto db = ctx.db->acquire();
  if (!db) return send_error(res, db.error());
  if (!admin(ctx, **db, req, res)) return;
  auto users = ledger::list_users(**db);
  if (!users) return send_error(res, users.error());
  auto usage = ledger::usage_by_user(**db);
  if (!usage) return send_error(res, usage.error());
  std::map<std::int64_t, const ledger::UsageTotals*> by_id;
  for (const auto& u : *usage) by_id[u.user_id] = &u;
  // Tasks not finished yet, per user: one query for all.
  std::map<std::int64_t, std::int64_t> active;
  auto st = (*db)->prepare(
      "SELECT user_id, count(*) FROM tasks WHERE state NOT IN ('completed', 'failed', 'cancelled') GROUP BY user_id");
  if (!st) return send_error(res, st.error());
  for (;;) {
    auto row = st->step();
    if (!row) return send_error(res, row.error());
    if (!*row) break;
    active[st->column_int64(0)] = st->column_int64(1);
  }
  json out = json::array();
  for (const auto& u : *users) {
    json j = user_json(u);
    auto it = by_id.find(u.id);
    j["usage"] = it == by_id.end() ? usage_json(ledger::UsageTotals{}) : usage_json(*it->second);
    j["active_tasks"] = active[u.id];
    out.push_back(std::move(j));
  }
  send_json(res, 200, {{"users", std::move(out)}, {"source", "proxy ledger: finished tasks"}});
}

void do_pool(Context& ctx, const httplib::Request& req, httplib::Response& res) {
  {
    auto db = ctx.db->acquire();
    if (!db) return send_error(res, db.error());
    if (!admin(ctx, **db, req, res)) return;
  }
  res.set_header("Cache-Control", "no-store");
  send_json(res, 200, {{"pool", ctx.pool.to_json()}, {"now_ms", ctx.now_ms()}});
}

}  // namespace

void add_usage_routes(httplib::Server& server, Context& ctx) {
  server.Get("/api/v1/usage", [&ctx](const httplib::Request& req, httplib::Response& res) { do_my_usage(ctx, req, res); });
  server.Get("/api/v1/admin/users", [&ctx](const httplib::Request& req, httplib::Response& res) { do_users(ctx, req, res); });
  server.Get("/api/v1/admin/pool", [&ctx](const httplib::Request& req, httplib::Response& res) { do_pool(ctx, req, res); });
}

}  // namespace lab::proxy
