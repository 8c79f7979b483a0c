#include <lab/s3/options.hpp>

#include <lab/util/strings.hpp>

#include <cstdlib>

namespace lab::s3 {

void S3Options::apply_env_fallback(const std::function<const char*(const char*)>& getenv) {
  auto get = [&](const char* name) -> std::string {
    const char* v = getenv ? getenv(name) : std::getenv(name);
    return v ? std::string(v) : std::string();
  };
  // Key and secret come as a pair: never mix a config key with an environment secret.
  if (access_key.empty() && secret_key.empty()) {
    access_key = get("AWS_ACCESS_KEY_ID");
    secret_key = get("AWS_SECRET_ACCESS_KEY");
    if (session_token.empty()) session_token = get("AWS_SESSION_TOKEN");
  }
}

Result<void> S3Options::validate() const {
  const std::string where = ": check [storage] in remote.toml";
  if (auto ep = parse_endpoint(endpoint); !ep) return fail(ep.error().code, ep.error().message + where);
  if (bucket.size() < 3 || bucket.size() > 63)
    return fail(Errc::invalid_argument, "storage bucket '" + bucket + "' must be 3 to 63 characters long" + where);
  for (char c : bucket) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
    if (!ok)
      return fail(Errc::invalid_argument, "storage bucket '" + bucket +
                  "' may contain only lower-case letters, digits, '-', '.' and '_'" + where);
  }
  if (region.empty()) return fail(Errc::invalid_argument, "storage region is empty (AWS uses e.g. us-east-1)" + where);
  if (access_key.empty() || secret_key.empty())
    return fail(Errc::unauthenticated,
                "no storage credentials: set access_key and secret_key, or AWS_ACCESS_KEY_ID and "
                "AWS_SECRET_ACCESS_KEY" + where);
  return {};
}

std::string S3Options::redacted() const {
  auto hidden = [](const std::string& v) { return v.empty() ? "<unset>" : "<redacted>"; };
  return "s3 endpoint=" + endpoint + " bucket=" + bucket + " region=" + region + " prefix='" + prefix +
         "' addressing=" + (addressing == Addressing::path ? "path" : "virtual") +
         " access_key=" + (access_key.empty() ? "<unset>" : access_key) +
         " secret_key=" + hidden(secret_key) + " session_token=" + hidden(session_token) +
         (ca_file.empty() ? "" : " ca_file=" + ca_file);
}

Result<Endpoint> parse_endpoint(std::string_view url) {
  Endpoint ep;
  std::string_view rest;
  if (util::starts_with(url, "http://")) {
    rest = url.substr(7);
  } else if (util::starts_with(url, "https://")) {
    ep.tls = true;
    rest = url.substr(8);
  } else {
    return fail(Errc::invalid_argument, "storage endpoint '" + std::string(url) +
                "' must start with http:// or https://");
  }
  std::size_t slash = rest.find('/');
  std::string_view hostport = rest.substr(0, slash);
  if (slash != std::string_view::npos) {
    std::string_view path = rest.substr(slash);
    while (!path.empty() && path.back() == '/') path.remove_suffix(1);
    ep.base_path = std::string(path);
  }
  if (hostport.find('@') != std::string_view::npos)
    return fail(Errc::invalid_argument, "storage endpoint must not contain credentials; use access_key and secret_key");
  std::size_t colon = hostport.rfind(':');
  ep.port = ep.tls ? 443 : 80;
  if (colon != std::string_view::npos && hostport.find(']', colon) == std::string_view::npos) {
    std::string_view p = hostport.substr(colon + 1);
    int port = 0;
    for (char c : p) {
      if (c < '0' || c > '9' || port > 65535) { port = -1; break; }
      port = port * 10 + (c - '0');
    }
    if (p.empty() || port <= 0 || port > 65535)
      return fail(Errc::invalid_argument, "storage endpoint '" + std::string(url) + "' has a bad port");
    ep.port = port;
    hostport = hostport.substr(0, colon);
  }
  if (hostport.empty()) return fail(Errc::invalid_argument, "storage endpoint '" + std::string(url) + "' has no host");
  ep.host = std::string(hostport);
  return ep;
}

std::string host_header(const Endpoint& ep) {
  bool default_port = ep.port == (ep.tls ? 443 : 80);
  return default_port ? ep.host : ep.host + ":" + std::to_string(ep.port);
}

}  // namespace lab::s3
