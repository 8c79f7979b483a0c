// The API's route groups (docs/api.md), one file each. Every `add_*` registers its handlers
// on `server`; handlers run on the server's worker threads and share `ctx`.
#pragma once

#include "context.hpp"

#include <httplib.h>

namespace lab::proxy {

void add_health_routes(httplib::Server& server, Context& ctx);   // routes_health.cpp
void add_auth_routes(httplib::Server& server, Context& ctx);     // routes_auth.cpp
void add_upload_routes(httplib::Server& server, Context& ctx);   // routes_upload.cpp
void add_dataset_routes(httplib::Server& server, Context& ctx);  // routes_datasets.cpp
void add_task_routes(httplib::Server& server, Context& ctx);     // routes_tasks.cpp
void add_log_routes(httplib::Server& server, Context& ctx);      // routes_logs.cpp
void add_result_routes(httplib::Server& server, Context& ctx);   // routes_results.cpp
void add_usage_routes(httplib::Server& server, Context& ctx);    // routes_usage.cpp
void add_web_routes(httplib::Server& server, Context& ctx);      // routes_web.cpp

// Headers every answer carries (nosniff, no framing, a Content-Security-Policy); routes_web.cpp.
void add_security_headers(const httplib::Request& req, httplib::Response& res);

}  // namespace lab::proxy
