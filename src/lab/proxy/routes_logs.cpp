// GET /api/v1/tasks/{id}/logs?from=OFFSET&wait=SECONDS (docs/api.md, "Logs"), and the same
// for /metrics (docs/api.md, "Metrics"). A waiting call holds no ledger connection: it
// sleeps on the log watch list until the consumer appends to this task's log or metrics or
// the task ends, then reads again.
#include "http.hpp"
#include "routes.hpp"
#include "task_view.hpp"

#include <limits>

namespace lab::proxy {
namespace {

// Most log bytes one answer carries; a follower asks again from the returned offset.
constexpr std::size_t kMaxLogAnswerBytes = 4u << 20;

struct Snapshot {
  LogSlice slice;
  bool complete = false;
};

// Reads the task's state first, then its log: the remote sends every chunk before the task's
// completion, so a final state read first means the log read after it is whole.
Result<Snapshot> read_snapshot(Context& ctx, const ledger::User& user, const std::string& id, std::int64_t from,
                               Stream stream) {
  auto db = ctx.db->acquire();
  if (!db) return std::unexpected(db.error());
  auto task = visible_task(**db, user, id);
  if (!task) return std::unexpected(task.error());
  const bool final = ledger::is_terminal(task->state);
  Snapshot s;
  auto slice = read_log(**db, id, from, kMaxLogAnswerBytes, stream);
  if (!slice) return std::unexpected(slice.error());
  s.slice = std::move(*slice);
  auto length = log_length(**db, id, stream);
  if (!length) return std::unexpected(length.error());
  s.complete = final && s.slice.next >= *length;
  return s;
}

void do_logs(Context& ctx, const httplib::Request& req, httplib::Response& res, Stream stream) {
  std::optional<ledger::User> user;
  {
    auto db = ctx.db->acquire();
    if (!db) return send_error(res, db.error());
    user = authenticate(ctx, **db, req, res);
    if (!user) return;
  }
  auto from = int_param(req, "from", 0, 0, std::numeric_limits<std::int64_t>::max(), res);
  if (!from) return;
  auto wait = int_param(req, "wait", 0, 0, std::numeric_limits<std::int32_t>::max(), res);
  if (!wait) return;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(std::min<std::int64_t>(*wait, kMaxLogWaitSeconds));
  const std::string id = req.matches[1].str();
  auto ticket = ctx.logs.watch(id);  // before the first read, so no append is missed
  Result<Snapshot> snap;
  for (;;) {
    snap = read_snapshot(ctx, *user, id, *from, stream);
    if (!snap) return send_error(res, snap.error());
    if (!snap->slice.data.empty() || snap->complete || std::chrono::steady_clock::now() >= deadline) break;
    if (!ctx.logs.wait(*ticket, deadline)) {
      // Timed out or shutting down: answer with what there is (nothing new).
      snap = read_snapshot(ctx, *user, id, *from, stream);
      if (!snap) return send_error(res, snap.error());
      break;
    }
  }
  res.status = 200;
  res.set_header("X-Lab-Log-Offset", std::to_string(snap->slice.next));
  if (snap->complete) res.set_header("X-Lab-Log-Complete", "1");
  res.set_header("Cache-Control", "no-store");
  res.set_content(std::move(snap->slice.data),
                  stream == Stream::metrics ? "application/x-ndjson" : "text/plain; charset=utf-8");
}

}  // namespace

void add_log_routes(httplib::Server& server, Context& ctx) {
  server.Get("/api/v1/tasks/([A-Za-z0-9._-]+)/logs",
             [&ctx](const httplib::Request& req, httplib::Response& res) { do_logs(ctx, req, res, Stream::log); });
  server.Get("/api/v1/tasks/([A-Za-z0-9._-]+)/metrics", [&ctx](const httplib::Request& req, httplib::Response& res) {
    do_logs(ctx, req, res, Stream::metrics);
  });
}

}  // namespace lab::proxy
