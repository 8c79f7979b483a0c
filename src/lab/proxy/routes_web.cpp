// The web pages (docs/web.md): each page's HTML and the shared scripts and styles, embedded
// in the binary (lab::web), and the security headers every answer carries.
#include "http.hpp"
#include "routes.hpp"

#include <lab/web/assets.hpp>

#include <array>
#include <utility>

namespace lab::proxy {
namespace {

// The pages: path -> embedded HTML file. Every page loads its data from the API.
constexpr std::array<std::pair<const char*, const char*>, 5> kPages = {{
    {"/", "index.html"},
    {"/login", "login.html"},
    {"/tasks", "tasks.html"},
    {"/task", "task.html"},
    {"/admin", "admin.html"},
}};

// Pages run only our own scripts and styles and talk only to this proxy; nothing may frame
// them. With no inline script allowed, text that slipped into markup still could not run.
constexpr const char* kPagePolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
// API answers and downloads are data, never a document to render.
constexpr const char* kDataPolicy = "default-src 'none'; frame-ancestors 'none'; sandbox";

void serve(const web::Asset& asset, httplib::Response& res) {
  res.status = 200;
  res.set_header("Cache-Control", "no-cache");
  res.set_content(asset.body.data(), asset.body.size(), std::string(asset.content_type));
}

}  // namespace

void add_security_headers(const httplib::Request& req, httplib::Response& res) {
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("X-Frame-Options", "DENY");
  res.set_header("Referrer-Policy", "same-origin");
  res.set_header("Content-Security-Policy", req.path.starts_with("/api/") ? kDataPolicy : kPagePolicy);
}

void add_web_routes(httplib::Server& server, Context&) {
  for (const auto& [path, file] : kPages) {
    const web::Asset* asset = web::find_asset(file);
    if (!asset) continue;  // a build without that page: the path answers 404
    server.Get(path, [asset](const httplib::Request&, httplib::Response& res) { serve(*asset, res); });
  }
  server.Get("/static/([A-Za-z0-9._-]+)", [](const httplib::Request& req, httplib::Response& res) {
    const web::Asset* asset = web::find_asset(req.matches[1].str());
    if (!asset || asset->name.ends_with(".html")) return send_error(res, 404, "not_found", "no such file");
    serve(*asset, res);
  });
}

}  // namespace lab::proxy
