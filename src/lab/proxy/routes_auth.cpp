// Accounts: register, login, whoami, logout (docs/api.md, "Accounts"), and the web pages'
// sign-in by cookie (docs/web.md).
#include "accounts.hpp"
#include "http.hpp"
#include "routes.hpp"
#include "web_session.hpp"

#include <lab/auth/password.hpp>

namespace lab::proxy {
namespace {

// 403 unless registration is open to this caller: an invite code, when configured, must be
// given and right; without one, `open_registration` must be on.
bool registration_allowed(const Context& ctx, const json& body, httplib::Response& res) {
  const auto& a = ctx.config.auth;
  if (a.invite_code && !a.invite_code->empty()) {
    auto it = body.find("invite_code");
    const bool right = it != body.end() && it->is_string() &&
                       auth::constant_time_equal(it->get<std::string>(), *a.invite_code);
    if (!right) {
      send_error(res, 403, "permission_denied",
                 "this proxy needs an invite code to register; ask your course staff for it");
      return false;
    }
    return true;
  }
  if (!a.open_registration) {
    send_error(res, 403, "permission_denied",
               "registration is closed on this proxy; ask an admin to create your account "
               "(`lab proxy user add NAME`)");
    return false;
  }
  return true;
}

void answer_with_token(Context& ctx, ledger::Db& db, const ledger::User& user, int status, httplib::Response& res) {
  auto t = issue_token(db, user.id, ctx.config.auth.token_ttl_hours, ctx.now_ms());
  if (!t) return send_error(res, t.error());
  send_json(res, status, {{"user", user_json(user)}, {"token", t->token}, {"expires_at_ms", t->expires_at_ms}});
}

void do_register(Context& ctx, const httplib::ContentReader& reader, httplib::Response& res) {
  auto body = read_json_body(reader, res);
  if (!body || !registration_allowed(ctx, *body, res)) return;
  auto name = string_field(*body, "name", res);
  if (!name) return;
  auto password = string_field(*body, "password", res);
  if (!password) return;
  if (auto ok = check_new_account(*name, *password); !ok) return send_error(res, ok.error());
  auto db = ctx.db->acquire();
  if (!db) return send_error(res, db.error());
  auto user = create_account(**db, *name, *password, false, ctx.now_ms());
  if (!user) return send_error(res, user.error());
  ctx.log("registered user " + user->name);
  answer_with_token(ctx, **db, *user, 201, res);
}

// The web pages' sign-in: the token goes only into an HttpOnly cookie; the page gets the
// session's CSRF token instead. Refused from another site's page (login CSRF).
void answer_with_cookie(Context& ctx, ledger::Db& db, const ledger::User& user, httplib::Response& res) {
  auto t = issue_token(db, user.id, ctx.config.auth.token_ttl_hours, ctx.now_ms());
  if (!t) return send_error(res, t.error());
  const bool tls = ctx.config.server.tls_cert.has_value();
  res.set_header("Set-Cookie", session_cookie_header(t->token, (t->expires_at_ms - ctx.now_ms()) / 1000, tls));
  res.set_header("Cache-Control", "no-store");
  send_json(res, 200, {{"user", user_json(user)}, {"csrf_token", csrf_token(t->token)}, {"expires_at_ms", t->expires_at_ms}});
}

void do_login(Context& ctx, const httplib::Request& req, const httplib::ContentReader& reader, httplib::Response& res,
              bool cookie) {
  if (cookie && !same_origin(req, ctx.config.server.tls_cert.has_value()))
    return send_error(res, 403, "permission_denied", "this sign-in came from another site; the proxy refuses it");
  auto body = read_json_body(reader, res);
  if (!body) return;
  auto name = string_field(*body, "name", res);
  if (!name) return;
  auto password = string_field(*body, "password", res);
  if (!password) return;
  if (auto wait_ms = ctx.sign_ins->retry_after_ms(*name, req.remote_addr, ctx.now_ms()); wait_ms > 0) {
    const auto seconds = std::to_string((wait_ms + 999) / 1000);
    ctx.log("sign-in for " + *name + " from " + req.remote_addr + " refused: too many failed attempts");
    res.set_header("Retry-After", seconds);
    return send_error(res, 429, "rate_limited",
                      "too many failed sign-ins for '" + *name + "' from this address; try again in " + seconds +
                          " s");
  }
  auto db = ctx.db->acquire();
  if (!db) return send_error(res, db.error());
  auto user = ledger::find_user(**db, *name);
  if (!user && user.error().code != Errc::not_found) return send_error(res, user.error());
  auto ok = check_password(user ? &*user : nullptr, password->substr(0, kMaxPasswordBytes));
  if (!ok) return send_error(res, ok.error());
  if (!*ok) {
    ctx.sign_ins->failed(*name, req.remote_addr, ctx.now_ms());
    return send_error(res, 401, "unauthenticated", "wrong name or password");
  }
  ctx.sign_ins->succeeded(*name, req.remote_addr);
  if (cookie) return answer_with_cookie(ctx, **db, *user, res);
  answer_with_token(ctx, **db, *user, 200, res);
}

}  // namespace

void add_auth_routes(httplib::Server& server, Context& ctx) {
  server.Post("/api/v1/auth/register",
              [&ctx](const httplib::Request&, httplib::Response& res, const httplib::ContentReader& reader) {
                do_register(ctx, reader, res);
              });
  server.Post("/api/v1/auth/login",
              [&ctx](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
                do_login(ctx, req, reader, res, false);
              });
  server.Post("/api/v1/auth/web-login",
              [&ctx](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
                do_login(ctx, req, reader, res, true);
              });
  server.Get("/api/v1/auth/whoami", [&ctx](const httplib::Request& req, httplib::Response& res) {
    auto db = ctx.db->acquire();
    if (!db) return send_error(res, db.error());
    std::string digest;
    auto user = authenticate(ctx, **db, req, res, &digest);
    if (!user) return;
    auto session = ledger::lookup_session(**db, digest, ctx.now_ms());
    if (!session) return send_error(res, session.error());
    json answer = {{"user", user_json(*user)}, {"expires_at_ms", session->expires_at_ms}};
    // A page signed in by cookie learns its CSRF token here (other sites cannot read this).
    if (!req.has_header("Authorization"))
      if (auto cookie = session_cookie(req)) answer["csrf_token"] = csrf_token(*cookie);
    res.set_header("Cache-Control", "no-store");
    send_json(res, 200, answer);
  });
  server.Post("/api/v1/auth/logout",
              [&ctx](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
                reader([](const char*, std::size_t) { return true; });  // drain any body
                auto db = ctx.db->acquire();
                if (!db) return send_error(res, db.error());
                std::string digest;
                if (!authenticate(ctx, **db, req, res, &digest)) return;
                if (auto r = ledger::delete_session(**db, digest); !r) return send_error(res, r.error());
                if (!req.has_header("Authorization"))
                  res.set_header("Set-Cookie", session_cookie_header("", 0, ctx.config.server.tls_cert.has_value()));
                res.status = 204;
              });
}

}  // namespace lab::proxy
