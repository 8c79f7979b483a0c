#include "client_impl.hpp"

#include <nlohmann/json.hpp>

#include <regex>

namespace lab::net {

Error explain(httplib::Error e, const Client::Impl& c) {
  if (c.interrupted) return interrupted_error(c);
  std::string hint = c.options.peer_hint.empty() ? "" : " — " + c.options.peer_hint;
  switch (e) {
    case httplib::Error::Connection:
      return {Errc::unavailable, "cannot reach " + c.url + " (connection refused or unreachable)" + hint};
    case httplib::Error::ConnectionTimeout:
      return {Errc::unavailable, "cannot reach " + c.url + " (no answer to the connection within " +
                                     std::to_string(c.options.connect_timeout.count()) + " ms)" + hint};
    case httplib::Error::Read:
      return {Errc::timeout, "no answer from " + c.url + " (the connection was closed or the read timed out)"};
    case httplib::Error::Write:
      return {Errc::unavailable, "cannot send to " + c.url + " (the connection was closed)"};
    case httplib::Error::SSLConnection:
      return {Errc::unavailable, "TLS handshake with " + c.url + " failed (is the server speaking https?)"};
    case httplib::Error::SSLLoadingCerts:
      return {Errc::invalid_argument, "cannot load the CA certificates " +
                                          (c.options.ca_file.empty() ? c.options.ca_dir : c.options.ca_file)};
    case httplib::Error::SSLServerVerification:
      return {Errc::unavailable,
              "the certificate of " + c.url + " is not trusted (" +
                  (c.options.ca_file.empty() && c.options.ca_dir.empty() ? "checked against the system store"
                                                                         : "checked against " +
                                                                               (c.options.ca_file.empty()
                                                                                    ? c.options.ca_dir
                                                                                    : c.options.ca_file)) +
                  "); configure the CA that signed the server's certificate"};
    default:
      return {Errc::unavailable, "request to " + c.url + " failed (" + httplib::to_string(e) + ")"};
  }
}

Error interrupted_error(const Client::Impl& c) {
  return {Errc::unavailable, "the request to " + c.url + " was interrupted (the caller is stopping)"};
}

Client::Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Client::~Client() = default;

Result<std::unique_ptr<Client>> Client::create(ClientOptions options) {
  static const std::regex kUrl(R"(^(https?)://([A-Za-z0-9.\-]+|\[[0-9A-Fa-f:.]+\])(?::([0-9]{1,5}))?/?$)");
  std::smatch m;
  if (!std::regex_match(options.url, m, kUrl))
  {
    std::string msg = "'";
    msg.append(redact_url(options.url)).append("' is not a server address; write it as http://host:port or https://host:port");
    return fail(Errc::invalid_argument, std::move(msg));
  }
  auto impl = std::make_unique<Impl>();
  const bool https = m[1] == "https";
  int port = m[3].matched ? std::stoi(m[3].str()) : (https ? 443 : 80);
  if (port < 1 || port > 65535) return fail(Errc::invalid_argument, "port " + m[3].str() + " is out of range in " + options.url);
  impl->url.append(https ? "https://" : "http://").append(m[2].str()).append(":").append(std::to_string(port));
  impl->http = std::make_unique<httplib::Client>(impl->url);
  auto& h = *impl->http;
  h.set_keep_alive(true);
  h.set_tcp_nodelay(true);
  h.set_connection_timeout(options.connect_timeout);
  h.set_read_timeout(options.read_timeout);
  h.set_write_timeout(options.write_timeout);
  if (!options.token.empty()) h.set_bearer_token_auth(options.token);
  if (https) {
    h.enable_server_certificate_verification(true);
    if (!options.ca_file.empty() || !options.ca_dir.empty()) h.set_ca_cert_path(options.ca_file, options.ca_dir);
  }
  impl->options = std::move(options);
  return std::unique_ptr<Client>(new Client(std::move(impl)));
}

Result<HttpResponse> Client::get(std::string_view path, std::optional<std::chrono::milliseconds> read_timeout) {
  ActiveRequest active(*impl_);
  if (impl_->interrupted) return std::unexpected(interrupted_error(*impl_));
  impl_->http->set_read_timeout(read_timeout.value_or(impl_->options.read_timeout));
  auto r = impl_->http->Get(std::string(path));
  if (!r) return std::unexpected(explain(r.error(), *impl_));
  return HttpResponse{r->status, std::move(r->body)};
}

Result<HttpResponse> Client::post(std::string_view path, std::string_view json_body,
                                  std::optional<std::chrono::milliseconds> read_timeout) {
  ActiveRequest active(*impl_);
  if (impl_->interrupted) return std::unexpected(interrupted_error(*impl_));
  impl_->http->set_read_timeout(read_timeout.value_or(impl_->options.read_timeout));
  auto r = impl_->http->Post(std::string(path), json_body.data(), json_body.size(), "application/json");
  if (!r) return std::unexpected(explain(r.error(), *impl_));
  return HttpResponse{r->status, std::move(r->body)};
}

const std::string& Client::url() const { return impl_->url; }

std::string error_text(const HttpResponse& response) {
  auto j = nlohmann::json::parse(response.body, nullptr, false);
  if (j.is_object() && j.contains("error") && j["error"].is_object() && j["error"].contains("message") &&
      j["error"]["message"].is_string())
    return j["error"]["message"].get<std::string>();
  std::string s = response.body.substr(0, response.body.find('\n'));
  if (s.size() > 200) s = s.substr(0, 200) + "...";
  return s.empty() ? "HTTP " + std::to_string(response.status) : s;
}

std::string redact_url(std::string_view url) {
  auto scheme = url.find("://");
  auto start = scheme == std::string_view::npos ? 0 : scheme + 3;
  auto at = url.find('@', start);
  auto slash = url.find('/', start);
  if (at == std::string_view::npos || (slash != std::string_view::npos && at > slash)) return std::string(url);
  return std::string(url.substr(0, start)) + "***" + std::string(url.substr(at));
}

}  // namespace lab::net
