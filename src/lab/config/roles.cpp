// proxy.toml, remote.toml and worker.toml: their schemas and cross-key checks.
#include <lab/config/roles.hpp>

#include "parsers.hpp"

namespace lab::config {
namespace {

using namespace schema;

Table transport_table(TransportSection& t, const std::filesystem::path& base) {
  return {"transport", {
      choice("type", t.type, {"http", "s3"}),
      flag("listen", t.listen),
      text("host", t.host).check(not_empty),
      integer("port", t.port, 1, 65535),
      text("url", t.url).check(http_url),
      text("token", t.token).hide().check(not_empty),
      path("tls_ca", t.tls_ca, base),
      integer("poll_timeout_ms", t.poll_timeout_ms, 100, 600'000),
      integer("poll_interval_ms", t.poll_interval_ms, 50, 600'000),
  }, true};
}

Table storage_table(StorageSection& s, const std::filesystem::path& base) {
  return {"storage", {
      choice("type", s.type, {"local", "s3"}),
      path("root", s.root, base),
      text("endpoint", s.endpoint).check(http_url),
      text("bucket", s.bucket).check(not_empty),
      text("region", s.region).check(not_empty),
      text("prefix", s.prefix),
      text("access_key", s.access_key).hide(),
      text("secret_key", s.secret_key).hide(),
      text("session_token", s.session_token).hide(),
      choice("addressing", s.addressing, {"path", "virtual"}),
  }, true};
}

Table executor_table(RemoteExecutor& e) {
  return {"executor", {
      choice("type", e.type, {"workers", "slurm"}),
      text("partition", e.partition).check(not_empty),
      text("qos", e.qos).check(not_empty),
      text("qos_high", e.qos_high).check(not_empty),
      text("account", e.account).check(not_empty),
      text("gres_name", e.gres_name).check(not_empty),
      strings("extra_sbatch", e.extra_sbatch),
      text("sbatch", e.sbatch).check(not_empty),
      text("squeue", e.squeue).check(not_empty),
      text("scontrol", e.scontrol).check(not_empty),
      text("sacct", e.sacct).check(not_empty),
      text("scancel", e.scancel).check(not_empty),
      integer("poll_interval_ms", e.poll_interval_ms, 100, 600'000),
      integer("first_poll_ms", e.first_poll_ms, 50, 600'000),
      integer("sbatch_parallel", e.sbatch_parallel, 1, 32),
      integer("command_timeout_ms", e.command_timeout_ms, 100, 600'000),
  }};
}

// Slurm tools given as paths are relative to the config; bare names are looked up on PATH.
void resolve_tools(RemoteExecutor& e, const std::filesystem::path& base) {
  for (std::string* tool : {&e.sbatch, &e.squeue, &e.scontrol, &e.sacct, &e.scancel})
    if (tool->find('/') != std::string::npos && std::filesystem::path(*tool).is_relative())
      *tool = (base / *tool).lexically_normal().string();
}

Table database_table(DatabaseSection& d, const std::filesystem::path& base) {
  return {"database", {path("path", d.path, base).require()}, true};
}

// Reports `message` at `table`'s line when `dotted` was not written.
void need(Outcome& out, const std::string& dotted, const std::string& message) {
  auto dot = dotted.find('.');
  if (out.has(dotted) || !out.has(dotted.substr(0, dot))) return;
  out.error(out.where(dotted.substr(0, dot)), message);
}

void check_transport(Outcome& out, const TransportSection& t, const StorageSection& s) {
  if (t.type == "s3") {
    if (s.type != "s3")
      out.error(out.where("transport.type"), "[transport] type = \"s3\" sends messages through the [storage] bucket, "
                                             "so [storage] must have type = \"s3\" too");
    for (std::string leaf : {"listen", "url", "token", "tls_ca"})
      if (out.has("transport." + leaf))
        out.error(out.where("transport." + leaf), "'" + leaf + "' in [transport] applies only to type = \"http\"; "
                                                  "with \"s3\" the [storage] bucket's credentials are the authentication");
    return;
  }
  if (out.has("transport.poll_interval_ms"))
    out.error(out.where("transport.poll_interval_ms"), "'poll_interval_ms' in [transport] applies only to type = \"s3\"");
  need(out, "transport.token", "[transport] needs 'token', the secret both sides of the mailbox share");
  if (!t.listen)
    need(out, "transport.url", "[transport] needs 'url' (the mailbox to reach, like \"https://remote.example.org:8801\"), "
                               "or listen = true if this side hosts it");
}

void check_storage(Outcome& out, const StorageSection& s) {
  if (s.type == "local") {
    need(out, "storage.root", "[storage] with type = \"local\" needs 'root', the folder to keep data in");
    for (std::string leaf : {"bucket", "endpoint", "access_key", "secret_key", "session_token"})
      if (out.has("storage." + leaf))
        out.error(out.where("storage." + leaf), "'" + leaf + "' in [storage] applies only to type = \"s3\", but type is \"local\"");
  } else {
    need(out, "storage.bucket", "[storage] with type = \"s3\" needs 'bucket'");
    if (out.has("storage.root"))
      out.error(out.where("storage.root"), "'root' in [storage] applies only to type = \"local\"; with \"s3\" use 'bucket' and 'prefix'");
  }
  if (s.type == "s3" && out.has("storage.access_key") != out.has("storage.secret_key"))
    out.error(out.where(out.has("storage.access_key") ? "storage.access_key" : "storage.secret_key"),
              "[storage] needs both 'access_key' and 'secret_key', or neither (then AWS_ACCESS_KEY_ID and "
              "AWS_SECRET_ACCESS_KEY are used)");
}

}  // namespace

namespace detail {

Checked<ProxyConfig> parse_proxy(std::string_view source, std::string_view file, const std::filesystem::path& base, Pairs* values) {
  ProxyConfig c;
  c.cache.dir = (base / "cache").lexically_normal().string();
  Schema s{{
      {"server", {
          text("host", c.server.host).check(not_empty),
          integer("port", c.server.port, 1, 65535),
          path("tls_cert", c.server.tls_cert, base),
          path("tls_key", c.server.tls_key, base),
          text("public_url", c.server.public_url).check(http_url),
      }},
      {"auth", {
          text("invite_code", c.auth.invite_code).hide().check(not_empty),
          integer("token_ttl_hours", c.auth.token_ttl_hours, 1, 24 * 365),
          flag("open_registration", c.auth.open_registration),
          integer("max_failed_sign_ins", c.auth.max_failed_sign_ins, 1, 1000),
          integer("sign_in_lockout_seconds", c.auth.sign_in_lockout_seconds, 1, 24 * 3600),
      }},
      transport_table(c.transport, base),
      storage_table(c.storage, base),
      database_table(c.database, base),
      {"cache", {
          path("dir", c.cache.dir, base),
          number("max_size_gb", c.cache.max_size_gb, 0, 1'000'000),
      }},
  }};
  Outcome out = apply(source, file, s);
  if (out.parsed) {
    check_transport(out, c.transport, c.storage);
    check_storage(out, c.storage);
    if (out.has("server.tls_cert") != out.has("server.tls_key"))
      out.error(out.where(out.has("server.tls_cert") ? "server.tls_cert" : "server.tls_key"),
                "[server] needs both 'tls_cert' and 'tls_key' to serve HTTPS, or neither for plain HTTP");
  }
  return finish(out, std::move(c), values);
}

Checked<RemoteConfig> parse_remote(std::string_view source, std::string_view file, const std::filesystem::path& base, Pairs* values) {
  RemoteConfig c;
  RemoteExecutor& e = c.executor;
  Schema s{{
      transport_table(c.transport, base),
      storage_table(c.storage, base),
      database_table(c.database, base),
      {"paths", {
          path("envs_dir", c.paths.envs_dir, base).require(),
          path("tasks_dir", c.paths.tasks_dir, base).require(),
          path("cache_dir", c.paths.cache_dir, base).require(),
          path("datasets_dir", c.paths.datasets_dir, base),
      }, true},
      executor_table(c.executor),
      {"workers", {
          text("host", c.workers.host).check(not_empty),
          integer("port", c.workers.port, 1, 65535),
          text("token", c.workers.token).hide().check(not_empty),
          integer("lease_timeout_s", c.workers.lease_timeout_s, 1, 86'400),
          integer("max_requeues", c.workers.max_requeues, 0, 100),
      }},
      {"environments", {
          text("index_url", c.environments.index_url).check(http_url),
          path("wheelhouse", c.environments.wheelhouse, base),
          number("max_size_gb", c.environments.max_size_gb, 0, 1'000'000),
          text("python", c.environments.python).check(not_empty),
          integer("build_timeout_s", c.environments.build_timeout_s, 10, 7 * 86'400),
      }},
  }};
  Outcome out = apply(source, file, s);
  if (out.parsed) {
    check_transport(out, c.transport, c.storage);
    check_storage(out, c.storage);
    resolve_tools(e, base);
    if (e.type == "workers" && !out.has("workers.token"))
      out.error(out.has("workers") ? out.where("workers") : out.where("executor"),
                "[executor] type = \"workers\" needs a [workers] table with 'token', the secret workers present");
  }
  return finish(out, std::move(c), values);
}

Checked<DemoConfig> parse_demo(std::string_view source, std::string_view file, const std::filesystem::path& base) {
  DemoConfig c;
  Table storage = storage_table(c.storage, base);
  storage.required = false;  // without it the demo keeps its data under --dir
  Schema s{{executor_table(c.executor), std::move(storage)}};
  Outcome out = apply(source, file, s);
  if (out.parsed) {
    c.has_storage = out.has("storage");
    if (c.has_storage) check_storage(out, c.storage);
    resolve_tools(c.executor, base);
  }
  return finish(out, std::move(c), nullptr);
}

Checked<WorkerConfig> parse_worker(std::string_view source, std::string_view file, const std::filesystem::path& base, Pairs* values,
                                   const std::vector<std::string>& optional_keys) {
  WorkerConfig c;
  c.work_dir = (base / "work").lexically_normal().string();
  Schema s{{
      {"worker", {
          text("remote", c.remote).require().check(http_url),
          text("token", c.token).hide().require().check(not_empty),
          integer("cpus", c.cpus, 0, 4096),
          memory("memory", c.memory_bytes),
          int_list("gpus", c.gpus),
          integer("slots", c.slots, 1, 1024),
          path("work_dir", c.work_dir, base),
          path("datasets_dir", c.datasets_dir, base),
      }, true},
  }};
  for (Key& k : s.tables[0].keys)
    if (std::find(optional_keys.begin(), optional_keys.end(), k.name) != optional_keys.end()) k.required = false;
  Outcome out = apply(source, file, s);
  return finish(out, std::move(c), values);
}

}  // namespace detail

Checked<ProxyConfig> parse_proxy(std::string_view source, std::string_view file, const std::filesystem::path& base_dir) {
  return detail::parse_proxy(source, file, base_dir, nullptr);
}
Checked<RemoteConfig> parse_remote(std::string_view source, std::string_view file, const std::filesystem::path& base_dir) {
  return detail::parse_remote(source, file, base_dir, nullptr);
}
Checked<WorkerConfig> parse_worker(std::string_view source, std::string_view file, const std::filesystem::path& base_dir) {
  return detail::parse_worker(source, file, base_dir, nullptr);
}
Checked<DemoConfig> parse_demo(std::string_view source, std::string_view file, const std::filesystem::path& base_dir) {
  return detail::parse_demo(source, file, base_dir);
}

namespace {
template <class T, class F>
Checked<T> load(const std::filesystem::path& path, F parse) {
  auto text = read_file(path);
  if (!text) return std::unexpected(std::vector<Diagnostic>{text.error()});
  std::error_code ec;
  std::filesystem::path base = std::filesystem::absolute(path, ec).parent_path();
  return parse(*text, path.string(), base);
}
}  // namespace

Checked<ProxyConfig> load_proxy(const std::filesystem::path& p) { return load<ProxyConfig>(p, [](auto... a) { return parse_proxy(a...); }); }
Checked<RemoteConfig> load_remote(const std::filesystem::path& p) { return load<RemoteConfig>(p, [](auto... a) { return parse_remote(a...); }); }
Checked<DemoConfig> load_demo(const std::filesystem::path& p) { return load<DemoConfig>(p, [](auto... a) { return parse_demo(a...); }); }
Checked<WorkerConfig> load_worker(const std::filesystem::path& p) { return load<WorkerConfig>(p, [](auto... a) { return parse_worker(a...); }); }
Checked<WorkerConfig> load_worker(const std::filesystem::path& p, const std::vector<std::string>& optional_keys) {
  return load<WorkerConfig>(p, [&](auto... a) { return detail::parse_worker(a..., nullptr, optional_keys); });
}

}  // namespace lab::config
