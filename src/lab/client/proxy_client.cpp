#include <lab/client/proxy_client.hpp>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <regex>

#include "blob_tar.hpp"
#include "decode.hpp"
#include "errors.hpp"

namespace lab::client {

using nlohmann::json;

struct ProxyClient::Impl {
  std::string url;
  std::unique_ptr<httplib::Client> http;

  // A JSON call: the parsed answer of a 2xx, or the error in plain words.
  Result<json> call(const std::string& method, const std::string& path, const json* body = nullptr, bool auth_call = false) {
    http->set_read_timeout(kReadTimeout);
    httplib::Result r = method == "GET"  ? http->Get(path)
                        : body           ? http->Post(path, body->dump(), "application/json")
                                         : http->Post(path, "", "application/json");
    if (!r) return std::unexpected(transport_error(r.error(), url));
    if (r->status >= 400) return std::unexpected(api_error(r->status, r->body, url, path, auth_call));
    if (r->body.empty()) return json::object();
    auto j = json::parse(r->body, nullptr, false);
    if (j.is_discarded()) return fail(Errc::corrupt, "the proxy at " + url + " answered " + path + " with something that is not JSON");
    return j;
  }

  // Decodes an answer; a malformed one is Errc::corrupt naming the call.
  template <class F>
  auto decoded(Result<json> j, const std::string& what, F f) -> Result<decltype(f(*j))> {
    if (!j) return std::unexpected(j.error());
    try {
      return f(*j);
    } catch (const json::exception& e) {
      return fail(Errc::corrupt, "the proxy at " + url + " sent a " + what + " answer this lab cannot read (" + e.what() +
                                     "); are the proxy and this lab the same version?");
    }
  }
};

namespace {

// Percent-encodes all but RFC 3986's unreserved characters.
std::string encode(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') out += static_cast<char>(c);
    else out += {'%', hex[c >> 4], hex[c & 15]};
  }
  return out;
}

std::string task_path(const std::string& id) { return "/api/v1/tasks/" + encode(id); }

// Each '/'-separated part of a result path, percent-encoded.
std::string encode_path(const std::string& path) {
  std::string out;
  std::size_t start = 0;
  while (true) {
    auto slash = path.find('/', start);
    out += encode(path.substr(start, slash - start));
    if (slash == std::string::npos) break;
    out += '/';
    start = slash + 1;
  }
  return out;
}

}  // namespace

ProxyClient::ProxyClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ProxyClient::~ProxyClient() = default;

Result<std::unique_ptr<ProxyClient>> ProxyClient::create(const std::string& url, const std::string& token) {
  static const std::regex kUrl(R"(^https?://([A-Za-z0-9.\-]+|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?$)");
  if (!std::regex_match(url, kUrl))
    return fail(Errc::invalid_argument, "'" + url + "' is not a proxy address; write it like http://localhost:8800 or https://lab.example.org");
  auto impl = std::make_unique<Impl>();
  impl->url = url;
  impl->http = std::make_unique<httplib::Client>(url);
  auto& h = *impl->http;
  h.set_keep_alive(true);
  h.set_connection_timeout(kConnectTimeout);
  h.set_write_timeout(kWriteTimeout);
  h.set_read_timeout(kReadTimeout);
  if (!token.empty()) h.set_bearer_token_auth(token);
  if (url.starts_with("https://")) h.enable_server_certificate_verification(true);
  return std::unique_ptr<ProxyClient>(new ProxyClient(std::move(impl)));
}

const std::string& ProxyClient::url() const { return impl_->url; }

Result<Session> ProxyClient::register_user(const std::string& name, const std::string& password, const std::string& invite_code) {
  json body{{"name", name}, {"password", password}};
  if (!invite_code.empty()) body["invite_code"] = invite_code;
  return impl_->decoded(impl_->call("POST", "/api/v1/auth/register", &body, true), "register", decode::session);
}

Result<Session> ProxyClient::login(const std::string& name, const std::string& password) {
  json body{{"name", name}, {"password", password}};
  return impl_->decoded(impl_->call("POST", "/api/v1/auth/login", &body, true), "login", decode::session);
}

Result<Session> ProxyClient::whoami() {
  return impl_->decoded(impl_->call("GET", "/api/v1/auth/whoami"), "whoami", decode::session);
}

Result<void> ProxyClient::logout() {
  auto r = impl_->call("POST", "/api/v1/auth/logout");
  if (!r) return std::unexpected(r.error());
  return {};
}

Result<std::vector<std::string>> ProxyClient::missing_blobs(const std::vector<std::string>& hashes) {
  json body{{"hashes", hashes}};
  return impl_->decoded(impl_->call("POST", "/api/v1/blobs/missing", &body), "blobs/missing",
                        [](const json& j) { return j.at("missing").get<std::vector<std::string>>(); });
}

Result<BlobsStored> ProxyClient::upload_blobs(std::span<const BlobSource> blobs, const ByteProgress& progress) {
  BlobTarStream stream(blobs);
  std::string piece;
  std::uint64_t sent = 0;
  auto provider = [&](std::size_t, httplib::DataSink& sink) {
    if (!stream.next(piece)) {
      if (!stream.error().empty()) return false;
      sink.done();
      return true;
    }
    if (!sink.write(piece.data(), piece.size())) return false;
    sent += piece.size();
    if (progress) progress(sent);
    return true;
  };
  impl_->http->set_read_timeout(kReadTimeout);
  const std::string path = "/api/v1/blobs";
  auto r = impl_->http->Post(path, httplib::Headers{}, provider, "application/x-lab-blobs");
  if (!stream.error().empty()) return fail(Errc::io, stream.error());
  if (!r) return std::unexpected(transport_error(r.error(), impl_->url));
  if (r->status >= 400) return std::unexpected(api_error(r->status, r->body, impl_->url, path));
  return impl_->decoded(json::parse(r->body, nullptr, false), "blobs", [](const json& j) {
    return BlobsStored{j.at("stored").get<std::uint64_t>(), j.at("bytes").get<std::uint64_t>()};
  });
}

Result<Snapshot> ProxyClient::create_snapshot(const files::Manifest& manifest) {
  json body{{"manifest", json::parse(files::to_json(manifest))}};
  return impl_->decoded(impl_->call("POST", "/api/v1/snapshots", &body), "snapshots", [](const json& j) {
    return Snapshot{j.at("snapshot").get<std::string>(), j.value("files", std::uint64_t{0}), j.value("bytes", std::uint64_t{0})};
  });
}

Result<DatasetSynced> ProxyClient::sync_dataset(const std::string& name, const files::Manifest& manifest) {
  json body{{"name", name}, {"manifest", json::parse(files::to_json(manifest))}};
  return impl_->decoded(impl_->call("POST", "/api/v1/datasets", &body), "datasets", [](const json& j) {
    DatasetSynced s;
    s.dataset = decode::dataset(j.at("dataset"));
    if (j.contains("previous") && j["previous"].is_string()) s.previous = j["previous"].get<std::string>();
    return s;
  });
}

Result<std::vector<Dataset>> ProxyClient::list_datasets(bool all) {
  return impl_->decoded(impl_->call("GET", all ? "/api/v1/datasets?all=1" : "/api/v1/datasets"), "datasets",
                        [](const json& j) {
                          std::vector<Dataset> out;
                          for (const auto& d : j.at("datasets")) out.push_back(decode::dataset(d));
                          return out;
                        });
}

Result<Dataset> ProxyClient::get_dataset(const std::string& name) {
  return impl_->decoded(impl_->call("GET", "/api/v1/datasets/" + encode(name)), "datasets",
                        [](const json& j) { return decode::dataset(j.at("dataset")); });
}

Result<Task> ProxyClient::create_task(const json& spec, const std::string& snapshot) {
  json body{{"spec", spec}, {"snapshot", snapshot}};
  return impl_->decoded(impl_->call("POST", "/api/v1/tasks", &body), "tasks",
                        [](const json& j) { return decode::task(j.at("task")); });
}

Result<TaskPage> ProxyClient::list_tasks(int limit, bool all, const std::string& before) {
  std::string path = "/api/v1/tasks?limit=" + std::to_string(limit);
  if (all) path += "&all=1";
  if (!before.empty()) path += "&before=" + encode(before);
  return impl_->decoded(impl_->call("GET", path), "tasks", decode::task_page);
}

Result<Task> ProxyClient::get_task(const std::string& id) {
  return impl_->decoded(impl_->call("GET", task_path(id)), "task", [](const json& j) { return decode::task(j.at("task")); });
}

Result<Task> ProxyClient::cancel_task(const std::string& id) {
  return impl_->decoded(impl_->call("POST", task_path(id) + "/cancel"), "cancel",
                        [](const json& j) { return decode::task(j.at("task")); });
}

Result<LogChunk> ProxyClient::logs(const std::string& id, std::uint64_t from, std::chrono::seconds wait) {
  return stream_piece(id, "logs", from, wait);
}

Result<LogChunk> ProxyClient::metrics(const std::string& id, std::uint64_t from, std::chrono::seconds wait) {
  return stream_piece(id, "metrics", from, wait);
}

Result<LogChunk> ProxyClient::stream_piece(const std::string& id, const char* what, std::uint64_t from,
                                           std::chrono::seconds wait) {
  const std::string path =
      task_path(id) + "/" + what + "?from=" + std::to_string(from) + "&wait=" + std::to_string(wait.count());
  impl_->http->set_read_timeout(wait + kLongPollSlack);
  auto r = impl_->http->Get(path);
  if (!r) return std::unexpected(transport_error(r.error(), impl_->url));
  if (r->status >= 400) return std::unexpected(api_error(r->status, r->body, impl_->url, path));
  LogChunk c;
  c.data = std::move(r->body);
  c.complete = r->get_header_value("X-Lab-Log-Complete") == "1";
  const std::string next = r->get_header_value("X-Lab-Log-Offset");
  try {
    c.next_offset = next.empty() ? from + c.data.size() : std::stoull(next);
  } catch (const std::exception&) {
    return fail(Errc::corrupt, "the proxy at " + impl_->url + " sent a bad X-Lab-Log-Offset header \"" + next + "\"");
  }
  if (c.next_offset != from + c.data.size())
    return fail(Errc::corrupt, "the proxy at " + impl_->url + " sent " + std::to_string(c.data.size()) + " " + what + " bytes from offset " +
                                   std::to_string(from) + " but says the next offset is " + next);
  return c;
}

Result<ResultList> ProxyClient::results(const std::string& id) {
  return impl_->decoded(impl_->call("GET", task_path(id) + "/results"), "results", decode::results);
}

Result<void> ProxyClient::download_result(const std::string& id, const std::string& path, const std::filesystem::path& dest,
                                          const ByteProgress& progress) {
  std::FILE* out = std::fopen(dest.c_str(), "wb");
  if (!out) return fail(Errc::io, "cannot write " + dest.string() + ": " + std::strerror(errno));
  const std::string url_path = task_path(id) + "/results/" + encode_path(path);
  int status = 0;
  std::string error_body;
  std::uint64_t got = 0;
  bool write_failed = false;
  impl_->http->set_read_timeout(kReadTimeout);
  auto r = impl_->http->Get(
      url_path, [&](const httplib::Response& res) { return status = res.status, true; },
      [&](const char* data, std::size_t n) {
        if (status >= 400) return error_body.append(data, n), true;
        if (std::fwrite(data, 1, n, out) != n) return write_failed = true, false;
        got += n;
        if (progress) progress(got);
        return true;
      });
  bool closed = std::fclose(out) == 0;
  if (write_failed || !closed) return fail(Errc::io, "cannot write " + dest.string() + ": " + std::strerror(errno));
  if (!r) return std::unexpected(transport_error(r.error(), impl_->url));
  if (status >= 400) return std::unexpected(api_error(status, error_body, impl_->url, url_path));
  return {};
}

}  // namespace lab::client
