// GET /api/v1/health: no token; says whether the remote was heard from lately.
#include "http.hpp"
#include "routes.hpp"

#include <lab/build_info.hpp>

namespace lab::proxy {

void add_health_routes(httplib::Server& server, Context& ctx) {
  server.Get("/api/v1/health", [&ctx](const httplib::Request&, httplib::Response& res) {
    const std::int64_t seen = ctx.remote_last_seen_ms.load();
    const bool up = seen > 0 && ctx.now_ms() - seen <= kRemoteUpWindowMs;
    send_json(res, 200,
              {{"status", "ok"},
               {"version", build::kVersion},
               {"remote", up ? "up" : "down"},
               {"remote_last_seen_ms", seen}});
  });
}

}  // namespace lab::proxy
