#include <doctest/doctest.h>
#include <lab/config/check.hpp>
#include <lab/config/roles.hpp>

#include <filesystem>
#include <fstream>
#include <unistd.h>

using namespace lab::config;
namespace fs = std::filesystem;

namespace {

std::string all_text(const std::vector<Diagnostic>& errs) { return format(errs); }

bool has(const std::vector<Diagnostic>& errs, int line, int col, std::string_view says) {
  for (const auto& d : errs)
    if (d.line == line && d.column == col && d.message.find(says) != std::string::npos) return true;
  return false;
}

const char* kProxy = R"(
[server]
port = 8800
tls_cert = "certs/cert.pem"
tls_key = "/etc/lab/key.pem"
public_url = "https://lab.example.org"

[auth]
invite_code = "course-2024"
open_registration = true

[transport]
listen = true
token = "shared-secret"

[storage]
type = "local"
root = "data"

[database]
path = "proxy.db"

[cache]
max_size_gb = 12.5
)";

}  // namespace

TEST_CASE("a valid proxy.toml resolves relative paths against the config's folder") {
  auto r = parse_proxy(kProxy, "proxy.toml", "/etc/lab");
  REQUIRE(r);
  CHECK(r->server.port == 8800);
  CHECK(r->server.tls_cert == "/etc/lab/certs/cert.pem");
  CHECK(r->server.tls_key == "/etc/lab/key.pem");
  CHECK(r->auth.invite_code == "course-2024");
  CHECK(r->auth.open_registration);
  CHECK(r->transport.listen);
  CHECK(r->transport.token == "shared-secret");
  CHECK(r->storage.root == "/etc/lab/data");
  CHECK(r->database.path == "/etc/lab/proxy.db");
  CHECK(r->cache.dir == "/etc/lab/cache");  // default, beside the config
  CHECK(r->cache.max_size_gb == doctest::Approx(12.5));
}

TEST_CASE("a valid remote.toml with Slurm") {
  auto r = parse_remote(R"(
[transport]
url = "http://proxy:8801"
token = "t"
[storage]
type = "s3"
endpoint = "http://127.0.0.1:9000"
bucket = "lab"
access_key = "AK"
secret_key = "SK"
addressing = "virtual"
[database]
path = "../state/remote.db"
[paths]
envs_dir = "envs"
tasks_dir = "/data/tasks"
cache_dir = "cache"
[executor]
type = "slurm"
partition = "gpu"
extra_sbatch = ["--exclusive"]
sbatch = "bin/sbatch"
poll_interval_ms = 500
)", "remote.toml", "/srv/lab/conf");
  REQUIRE(r);
  CHECK(r->transport.url == "http://proxy:8801");
  CHECK(r->storage.bucket == "lab");
  CHECK(r->storage.addressing == "virtual");
  CHECK(r->database.path == "/srv/lab/state/remote.db");
  CHECK(r->paths.envs_dir == "/srv/lab/conf/envs");
  CHECK(r->paths.tasks_dir == "/data/tasks");
  CHECK(r->executor.type == "slurm");
  CHECK(r->executor.partition == "gpu");
  CHECK(r->executor.extra_sbatch == std::vector<std::string>{"--exclusive"});
  CHECK(r->executor.sbatch == "/srv/lab/conf/bin/sbatch");  // a path: resolved
  CHECK(r->executor.squeue == "squeue");                    // a bare name: left for PATH
  CHECK(r->executor.gres_name == "gpu");
  CHECK(r->executor.poll_interval_ms == 500);
}

TEST_CASE("remote.toml: missing tables and keys, and type-dependent keys") {
  auto r = parse_remote("[transport]\nlisten = true\ntoken = \"t\"\n[storage]\ntype = \"s3\"\n[executor]\ntype = \"workers\"\n",
                        "remote.toml", "/x");
  REQUIRE_FALSE(r);
  auto& e = r.error();
  CHECK(has(e, 1, 1, "missing table [database] (it needs 'path')"));
  CHECK(has(e, 1, 1, "missing table [paths] (it needs 'envs_dir', 'tasks_dir', 'cache_dir')"));
  CHECK(has(e, 4, 1, "[storage] with type = \"s3\" needs 'bucket'"));
  CHECK(has(e, 6, 1, "[executor] type = \"workers\" needs a [workers] table with 'token'"));
}

TEST_CASE("worker.toml: gpus as a list or as \"0,1\"") {
  auto list = parse_worker("[worker]\nremote = \"http://r:8802\"\ntoken = \"t\"\ngpus = [0, 2]\nmemory = \"32G\"\n", "worker.toml", "/w");
  REQUIRE(list);
  CHECK(list->gpus == std::vector<int>{0, 2});
  CHECK(list->memory_bytes == 32ull << 30);
  CHECK(list->work_dir == "/w/work");
  CHECK(list->datasets_dir.empty());  // the agent uses <work_dir>/datasets
  auto data = parse_worker("[worker]\nremote = \"http://r:8802\"\ntoken = \"t\"\ndatasets_dir = \"shared/data\"\n", "worker.toml", "/w");
  REQUIRE(data);
  CHECK(data->datasets_dir == "/w/shared/data");
  auto csv = parse_worker("[worker]\nremote = \"http://r:8802\"\ntoken = \"t\"\ngpus = \"1, 3\"\n", "worker.toml", "/w");
  REQUIRE(csv);
  CHECK(csv->gpus == std::vector<int>{1, 3});
  auto bad = parse_worker("[worker]\nremote = \"r:8802\"\ngpus = [0, -1]\nslots = 0\n", "worker.toml", "/w");
  REQUIRE_FALSE(bad);
  CHECK(has(bad.error(), 1, 1, "missing required key 'token' in [worker]"));
  CHECK(has(bad.error(), 2, 10, "'remote' in [worker] must be a URL starting with http:// or https://"));
  CHECK(has(bad.error(), 3, 12, "'gpus' in [worker] must be between 0 and 1023, got -1"));
  CHECK(has(bad.error(), 4, 9, "'slots' in [worker] must be between 1 and 1024, got 0"));
}

TEST_CASE("proxy.toml errors: typos, ranges, and pairs of keys") {
  auto r = parse_proxy("[server]\nport = 0\ntls_key = \"k.pem\"\n[auth]\ninvite = \"x\"\n[transport]\ntoken = \"t\"\n"
                       "[storage]\ntype = \"gcs\"\n[database]\npath = \"db\"\n",
                       "proxy.toml", "/p");
  REQUIRE_FALSE(r);
  auto& e = r.error();
  CHECK(has(e, 2, 8, "'port' in [server] must be between 1 and 65535, got 0"));
  CHECK(has(e, 3, 11, "[server] needs both 'tls_cert' and 'tls_key'"));
  CHECK(has(e, 5, 1, "unknown key 'invite' in [auth] (did you mean 'invite_code'?)"));
  CHECK(has(e, 6, 1, "[transport] needs 'url'"));
  CHECK(has(e, 9, 8, "'type' in [storage] must be \"local\" or \"s3\", got \"gcs\""));
}

TEST_CASE("secret values never appear in any message") {
  const std::string secret = "Zq9-SUPER-secret-77";
  const std::string texts[] = {
      // Wrong type, a failing check, a syntax error on the secret's own line, a misplaced secret.
      "[worker]\nremote = \"http://r\"\ntoken = 5\n",
      "[worker]\nremote = \"http://r\"\ntoken = " + secret + "\n",
      "[worker]\nremote = \"http://r\"\ntoken = \"" + secret + "\n",
      "[worker]\nremote = \"http://r\"\ntoken = '" + secret + "\"\n",
      "[worker]\nremote = \"ftp://user:" + secret + "@host\"\ntoken = \"" + secret + "\"\n",
  };
  for (const std::string& text : texts) {
    CAPTURE(text);
    auto r = parse_worker(text, "worker.toml", "/w");
    REQUIRE_FALSE(r);
    CHECK(all_text(r.error()).find(secret) == std::string::npos);
    CHECK(all_text(r.error()).find("SUPER") == std::string::npos);
  }
  auto proxy = parse_proxy(std::string("[auth]\ninvite_code = ") + "\"\"\n[transport]\ntoken = [\"" + secret +
                               "\"]\n[storage]\ntype = \"local\"\nsecret_key = \"" + secret + "\"\n",
                           "proxy.toml", "/p");
  REQUIRE_FALSE(proxy);
  CHECK(all_text(proxy.error()).find(secret) == std::string::npos);
  CHECK(has(proxy.error(), 2, 15, "'invite_code' in [auth] must not be empty"));
}

TEST_CASE("check_file infers nothing itself but masks secrets in the values it reads") {
  fs::path dir = fs::temp_directory_path() / ("lab-roles-test-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "worker.toml") << "[worker]\nremote = \"http://r:1\"\ntoken = \"hush-123\"\n";
  CheckReport rep = check_file(dir / "worker.toml", Kind::worker);
  CHECK(rep.errors.empty());
  bool masked = false;
  for (const auto& [k, v] : rep.values) {
    CHECK(v.find("hush-123") == std::string::npos);
    if (k == "worker.token") masked = v == "********";
  }
  CHECK(masked);
  fs::remove_all(dir);
}

TEST_CASE("kind_from_filename") {
  CHECK(kind_from_filename("task.toml") == Kind::task);
  CHECK(kind_from_filename("/a/b/Task.toml") == Kind::task);
  CHECK(kind_from_filename("gpu.task.toml") == Kind::task);
  CHECK(kind_from_filename("proxy.toml") == Kind::proxy);
  CHECK(kind_from_filename("prod-remote.toml") == Kind::remote);
  CHECK(kind_from_filename("worker.example.toml") == Kind::worker);
  CHECK_FALSE(kind_from_filename("config.toml"));
  CHECK_FALSE(kind_from_filename("task.json"));
  CHECK_FALSE(kind_from_filename("taskforce.toml"));
}

TEST_CASE("worker.toml loaded for `lab worker`: remote and token may come from the command line") {
  auto dir = std::filesystem::temp_directory_path() / ("lab-roles-worker-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "worker.toml") << "[worker]\ncpus = 2\nslotz = 1\n";
  auto typo = load_worker(dir / "worker.toml", {"remote", "token"});
  REQUIRE_FALSE(typo);  // other problems are still reported
  CHECK(typo.error().size() == 1);
  std::ofstream(dir / "worker.toml") << "[worker]\ncpus = 2\n";
  auto ok = load_worker(dir / "worker.toml", {"remote", "token"});
  REQUIRE(ok);
  CHECK(ok->cpus == 2);
  CHECK(ok->token.empty());
  CHECK(ok->work_dir == (std::filesystem::absolute(dir) / "work").lexically_normal().string());
  auto strict = load_worker(dir / "worker.toml");
  REQUIRE_FALSE(strict);
  CHECK(strict.error().size() == 2);  // 'remote' and 'token' missing
  std::filesystem::remove_all(dir);
}

TEST_CASE("lab demo --config: remote.toml's [executor] and [storage], nothing else") {
  auto ok = parse_demo("[executor]\ntype = \"slurm\"\npartition = \"debug\"\nsbatch = \"bin/sbatch\"\n", "demo.toml", "/etc/lab");
  REQUIRE_MESSAGE(ok, (ok ? std::string() : all_text(ok.error())));
  CHECK(ok->executor.type == "slurm");
  CHECK(ok->executor.partition == "debug");
  CHECK(ok->executor.sbatch == "/etc/lab/bin/sbatch");  // paths as in remote.toml
  CHECK_FALSE(ok->has_storage);

  auto with_storage = parse_demo("[storage]\nroot = \"data\"\n", "demo.toml", "/etc/lab");
  REQUIRE(with_storage);
  CHECK(with_storage->has_storage);
  CHECK(with_storage->storage.root == "/etc/lab/data");
  CHECK(with_storage->executor.type == "workers");

  auto bad = parse_demo("[executor]\ntype = \"slrum\"\n[workers]\ntoken = \"x\"\n", "demo.toml", "/etc/lab");
  REQUIRE_FALSE(bad);
  const std::string text = all_text(bad.error());
  CHECK(text.find("demo.toml:2") != std::string::npos);  // the bad type, at its line
  CHECK(text.find("slurm") != std::string::npos);
  CHECK(text.find("demo.toml:3") != std::string::npos);  // [workers] has no place here
}
