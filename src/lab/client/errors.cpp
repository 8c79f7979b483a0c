#include "errors.hpp"

#include <nlohmann/json.hpp>

namespace lab::client {
namespace {

Errc code_for(int status) {
  switch (status) {
    case 400: return Errc::invalid_argument;
    case 401: return Errc::unauthenticated;
    case 403: return Errc::permission_denied;
    case 404: return Errc::not_found;
    case 409: return Errc::conflict;
    case 413: return Errc::invalid_argument;
    case 429: return Errc::unavailable;
    case 503: return Errc::unavailable;
    default: return status >= 500 ? Errc::internal : Errc::invalid_argument;
  }
}

// The proxy's {"error": {"message"}}, or "" when the body is not one.
std::string message_of(std::string_view body) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (!j.is_object() || !j.contains("error") || !j["error"].is_object()) return "";
  const auto& m = j["error"].value("message", nlohmann::json());
  return m.is_string() ? m.get<std::string>() : "";
}

}  // namespace

Error transport_error(httplib::Error e, std::string_view url) {
  const std::string where = "the proxy at " + std::string(url);
  const std::string hint = " — is `lab proxy` running? Set LAB_PROXY_URL to point elsewhere.";
  switch (e) {
    case httplib::Error::Connection:
      return {Errc::unavailable, "cannot reach " + where + " (connection refused)" + hint};
    case httplib::Error::ConnectionTimeout:
      return {Errc::unavailable, "cannot reach " + where + " (no answer to the connection)" + hint};
    case httplib::Error::SSLConnection:
      return {Errc::unavailable, "cannot reach " + where + " (the TLS handshake failed; is it really https?)"};
    case httplib::Error::SSLServerVerification:
      return {Errc::unavailable, "the certificate of " + where + " is not trusted by this machine"};
    case httplib::Error::Read:
      return {Errc::timeout, "lost the connection to " + where + " while reading its answer"};
    case httplib::Error::Write:
      return {Errc::unavailable, "lost the connection to " + where + " while sending"};
    case httplib::Error::Canceled:
      return {Errc::io, "the transfer from " + where + " was stopped"};
    default:
      return {Errc::unavailable, "request to " + where + " failed (" + httplib::to_string(e) + ")"};
  }
}

Error api_error(int status, std::string_view body, std::string_view url, std::string_view path, bool auth_call) {
  const std::string message = message_of(body);
  if (status == 401 && !auth_call) return {Errc::unauthenticated, kNotLoggedIn};
  if (!message.empty()) return {code_for(status), message};
  const std::string where = "the proxy at " + std::string(url);
  switch (status) {
    case 401: return {Errc::unauthenticated, "wrong name or password"};
    case 404:
      return {Errc::not_found, where + " does not know " + std::string(path) +
                                   " (HTTP 404); is that address a lab proxy of the same version?"};
    case 413:
      return {Errc::invalid_argument, where + " refused the request as too large (HTTP 413)"};
    default: return {code_for(status), where + " answered HTTP " + std::to_string(status) + " to " + std::string(path)};
  }
}

}  // namespace lab::client
