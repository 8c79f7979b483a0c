#include "http.hpp"
#include "web_session.hpp"

#include <lab/auth/password.hpp>

#include <charconv>
#include <iostream>

namespace lab::proxy {

void Context::log(std::string_view line) const {
  if (log_fn) log_fn(line);
  else std::cerr << "lab proxy: " << line << "\n";
}

void send_json(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

void send_error(httplib::Response& res, int status, std::string_view code, std::string_view message) {
  send_json(res, status, {{"error", {{"code", code}, {"message", message}}}});
}

void send_error(httplib::Response& res, const Error& error) {
  switch (error.code) {
    case Errc::invalid_argument:
    case Errc::corrupt: return send_error(res, 400, "invalid_argument", error.message);
    case Errc::not_found: return send_error(res, 404, "not_found", error.message);
    case Errc::already_exists:
    case Errc::conflict: return send_error(res, 409, "conflict", error.message);
    case Errc::permission_denied: return send_error(res, 403, "permission_denied", error.message);
    case Errc::unauthenticated: return send_error(res, 401, "unauthenticated", error.message);
    case Errc::timeout:
    case Errc::unavailable: return send_error(res, 503, "unavailable", error.message);
    default: return send_error(res, 500, "internal", error.message);
  }
}

std::optional<json> read_json_body(const httplib::ContentReader& reader, httplib::Response& res) {
  std::string body;
  bool too_large = false;
  reader([&](const char* data, std::size_t n) {
    if (body.size() + n > kMaxJsonBodyBytes) {
      too_large = true;
      return false;
    }
    body.append(data, n);
    return true;
  });
  if (too_large) {
    send_error(res, 413, "too_large",
               "the request body is larger than " + std::to_string(kMaxJsonBodyBytes >> 20) + " MiB");
    res.set_header("Connection", "close");
    return std::nullopt;
  }
  auto j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    send_error(res, 400, "invalid_argument", "the request body must be a JSON object");
    return std::nullopt;
  }
  return j;
}

std::optional<ledger::User> authenticate(Context& ctx, ledger::Db& db, const httplib::Request& req,
                                         httplib::Response& res, std::string* token_hash) {
  constexpr std::string_view kBearer = "Bearer ";
  const std::string header = req.get_header_value("Authorization");
  std::string token;
  if (header.size() > kBearer.size() && std::string_view(header).substr(0, kBearer.size()) == kBearer) {
    token = header.substr(kBearer.size());
  } else if (auto cookie = header.empty() ? session_cookie(req) : std::nullopt) {
    // A browser: its cookie rides along on requests other sites make, so a state-changing
    // one must prove it came from our own pages.
    const std::string problem = csrf_problem(req, *cookie, ctx.config.server.tls_cert.has_value());
    if (!problem.empty()) {
      send_error(res, 403, "permission_denied", problem);
      return std::nullopt;
    }
    token = *cookie;
  } else {
    res.set_header("WWW-Authenticate", "Bearer");
    send_error(res, 401, "unauthenticated", "sign in first (`lab login`): this call needs a bearer token");
    return std::nullopt;
  }
  const std::string digest = auth::token_digest(token);
  auto session = ledger::lookup_session(db, digest, ctx.now_ms());
  if (!session) {
    if (session.error().code != Errc::not_found && session.error().code != Errc::unauthenticated) {
      send_error(res, session.error());
      return std::nullopt;
    }
    res.set_header("WWW-Authenticate", "Bearer");
    send_error(res, 401, "unauthenticated", "your sign-in is unknown or has expired; run `lab login` again");
    return std::nullopt;
  }
  auto user = ledger::find_user(db, session->user_id);
  if (!user) {
    send_error(res, 401, "unauthenticated", "your account no longer exists; ask an admin");
    return std::nullopt;
  }
  if (token_hash) *token_hash = digest;
  return *user;
}

std::optional<std::string> string_field(const json& body, const char* name, httplib::Response& res) {
  auto it = body.find(name);
  if (it == body.end() || !it->is_string()) {
    send_error(res, 400, "invalid_argument", std::string("field '") + name + "' is missing or not a string");
    return std::nullopt;
  }
  return it->get<std::string>();
}

std::optional<std::int64_t> int_param(const httplib::Request& req, const char* name, std::int64_t def,
                                      std::int64_t lo, std::int64_t hi, httplib::Response& res) {
  if (!req.has_param(name)) return def;
  const std::string text = req.get_param_value(name);
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < lo || v > hi) {
    send_error(res, 400, "invalid_argument",
               std::string("parameter '") + name + "' must be a whole number from " + std::to_string(lo) + " to " +
                   std::to_string(hi));
    return std::nullopt;
  }
  return v;
}

json user_json(const ledger::User& user) {
  return {{"name", user.name}, {"is_admin", user.is_admin}, {"created_at_ms", user.created_at_ms}};
}

}  // namespace lab::proxy
