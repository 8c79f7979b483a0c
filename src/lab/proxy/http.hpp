// HTTP helpers shared by the route files: JSON answers, the error body of docs/api.md,
// bounded body reading, and bearer-token authentication. Private to lab::proxy.
#pragma once

#include "context.hpp"

#include <lab/ledger/users.hpp>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace lab::proxy {

using nlohmann::json;

// Sets `status` and the JSON body.
void send_json(httplib::Response& res, int status, const json& body);
// Sets the error body {"error":{"code","message"}} with `status`.
void send_error(httplib::Response& res, int status, std::string_view code, std::string_view message);
// Maps an error kind to its status and code (docs/api.md, "Errors") and sends it.
void send_error(httplib::Response& res, const Error& error);

// Reads a JSON object body of at most kMaxJsonBodyBytes (chunked or not). On failure the
// error (400 or 413) is already in `res` and nullopt is returned.
std::optional<json> read_json_body(const httplib::ContentReader& reader, httplib::Response& res);

// The caller of a request from its bearer token, or else from the web pages' session cookie
// (web_session.hpp; a state-changing request by cookie must pass the CSRF checks, else 403).
// On failure the 401 or 403 is already in `res`.
// `token_hash` (optional) receives the SHA-256 of the token, for logout.
std::optional<ledger::User> authenticate(Context& ctx, ledger::Db& db, const httplib::Request& req,
                                         httplib::Response& res, std::string* token_hash = nullptr);

// A required string field; on failure sends 400 naming it.
std::optional<std::string> string_field(const json& body, const char* name, httplib::Response& res);

// A request parameter as a whole number in [lo, hi] (def when absent); 400 on failure.
std::optional<std::int64_t> int_param(const httplib::Request& req, const char* name, std::int64_t def,
                                      std::int64_t lo, std::int64_t hi, httplib::Response& res);

// The user as the API shows it: {"name","is_admin","created_at_ms"}.
json user_json(const ledger::User& user);

}  // namespace lab::proxy
