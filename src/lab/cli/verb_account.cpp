// `lab register NAME`, `lab login NAME`, `lab whoami`, `lab logout`: the student's session.
// The token is kept 0600 in the config folder (credentials.hpp); passwords are never stored.
#include "cli11.hpp"
#include "password.hpp"
#include "session.hpp"
#include "verbs.hpp"

namespace lab::cli {
namespace {

// register and login: same flags, same ending.
int sign_in(const Args& args, bool create) {
  const char* verb = create ? "register" : "login";
  auto app = make_app(verb, create ? "Create an account on the proxy and sign in." : "Sign in and keep a token for later commands.");
  std::string name, invite;
  bool from_stdin = false;
  std::optional<std::string> proxy;
  app->add_option("NAME", name, "your user name")->required();
  app->add_flag("--password-stdin", from_stdin, "read the password from the first line of standard input");
  if (create) app->add_option("--invite", invite, "the invite code, when the proxy asks for one");
  app->add_option("--proxy", proxy, "the proxy's URL (default: $LAB_PROXY_URL, the saved one, or http://localhost:8800)");
  if (auto code = parse_args(*app, args)) return *code;

  auto conn = connect(proxy, false);
  if (!conn) return report(verb, conn.error());
  auto password = read_password("password for " + name + ": ", from_stdin);
  if (!password) return report(verb, password.error());
  if (create && !from_stdin) {
    auto again = read_password("password again: ", false);
    if (!again) return report(verb, again.error());
    if (*again != *password) return report(verb, "the two passwords differ; nothing was created");
  }
  auto session = create ? conn->client->register_user(name, *password, invite) : conn->client->login(name, *password);
  if (!session) return report(verb, session.error());
  Credentials c{conn->client->url(), session->user.name, session->token, session->expires_at_ms};
  if (auto saved = save_credentials(c); !saved) return report(verb, saved.error());
  std::printf("%s %s at %s (session until %s)\n", create ? "registered and signed in as" : "signed in as",
              session->user.name.c_str(), c.proxy_url.c_str(), local_time(session->expires_at_ms).c_str());
  return kExitOk;
}

}  // namespace

int run_register(const Args& args) { return sign_in(args, true); }
int run_login(const Args& args) { return sign_in(args, false); }

int run_whoami(const Args& args) {
  auto app = make_app("whoami", "Show who this machine is signed in as.");
  std::optional<std::string> proxy;
  app->add_option("--proxy", proxy, "the proxy's URL");
  if (auto code = parse_args(*app, args)) return *code;
  auto conn = connect(proxy, true);
  if (!conn) return report("whoami", conn.error());
  auto me = conn->client->whoami();
  if (!me) return report("whoami", me.error());
  std::printf("%s%s at %s (session until %s)\n", me->user.name.c_str(), me->user.is_admin ? " (admin)" : "",
              conn->client->url().c_str(), local_time(me->expires_at_ms).c_str());
  return kExitOk;
}

int run_logout(const Args& args) {
  auto app = make_app("logout", "Forget the stored token (and revoke it on the proxy).");
  std::optional<std::string> proxy;
  app->add_option("--proxy", proxy, "the proxy's URL");
  if (auto code = parse_args(*app, args)) return *code;
  auto conn = connect(proxy, false);
  if (!conn) return report("logout", conn.error());
  if (!conn->credentials) {
    std::printf("not signed in; nothing to do\n");
    return kExitOk;
  }
  // Revoking is best effort: the local token is forgotten even when the proxy is away.
  if (auto r = conn->client->logout(); !r && r.error().code != Errc::unauthenticated)
    std::fprintf(stderr, "lab logout: warning: the proxy did not revoke the token (%s)\n", r.error().message.c_str());
  if (auto r = forget_credentials(); !r) return report("logout", r.error());
  std::printf("signed out %s\n", conn->credentials->user.c_str());
  return kExitOk;
}

}  // namespace lab::cli
