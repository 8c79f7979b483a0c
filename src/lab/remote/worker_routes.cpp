#include "worker_routes.hpp"

#include "results.hpp"
#include "worker_json.hpp"

#include <lab/archive/archive.hpp>
#include <lab/proto/envelope.hpp>

#include <fstream>

namespace lab::remote {
namespace {

constexpr const char* kBase = "/worker/v1";

// The HTTP answer for a failed call.
net::Response error_response(const Error& e) {
  switch (e.code) {
    case Errc::not_found: return net::json_error(404, "unknown_worker", e.message);
    case Errc::conflict: return net::json_error(409, "stale_attempt", e.message);
    case Errc::invalid_argument: return net::json_error(400, "bad_request", e.message);
    case Errc::corrupt: return net::json_error(400, "bad_archive", e.message);
    case Errc::unavailable: return net::json_error(503, "unavailable", e.message);
    default: return net::json_error(500, "internal", e.message);
  }
}

net::Response ok(const nlohmann::json& body = nlohmann::json::object()) { return net::Response{200, body.dump()}; }

Result<nlohmann::json> parse_body(const std::string& body) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return fail(Errc::invalid_argument, "the body must be a JSON object");
  return j;
}

// The attempt named in the query string (`?attempt=N`) or the body.
Result<int> attempt_of(const net::Request& r, const nlohmann::json* body) {
  if (auto it = r.query.find("attempt"); it != r.query.end()) {
    try {
      std::size_t used = 0;
      int a = std::stoi(it->second, &used);
      if (used == it->second.size() && a >= 0) return a;
    } catch (...) {
    }
    return fail(Errc::invalid_argument, "query parameter 'attempt' must be a whole number");
  }
  if (!body) return fail(Errc::invalid_argument, "query parameter 'attempt' is missing");
  auto a = int_field(*body, "attempt");
  if (!a) return std::unexpected(a.error());
  return static_cast<int>(*a);
}

// Wraps a JSON handler: parse the body, run `f`, map errors.
template <class F>
net::Handler json_route(F f) {
  return [f](const net::Request& r) -> net::Response {
    auto body = parse_body(r.body);
    if (!body) return error_response(body.error());
    Result<net::Response> out = f(r, *body);
    return out ? *out : error_response(out.error());
  };
}

Result<net::Response> lease(Pool& pool, const nlohmann::json& b) {
  auto id = string_field(b, "worker_id");
  if (!id) return std::unexpected(id.error());
  const nlohmann::json free = b.contains("free") ? b["free"] : nlohmann::json::object();
  auto slots = int_field(free, "slots", 1);
  auto cpus = int_field(free, "cpus", 1 << 20);
  auto mem = int_field(free, "memory_bytes", std::int64_t(1) << 62);
  auto gpus = gpus_field(free, "gpus");
  auto wait = int_field(b, "wait_ms", 0);
  for (const Result<std::int64_t>* r : {&slots, &cpus, &mem, &wait})
    if (!*r) return std::unexpected(r->error());
  if (!gpus) return std::unexpected(gpus.error());
  Free f{static_cast<int>(*slots), static_cast<int>(*cpus), static_cast<std::uint64_t>(*mem), *gpus};
  auto got = pool.lease(*id, f, std::chrono::milliseconds(*wait));
  if (!got) return std::unexpected(got.error());
  if (!*got) return net::Response{204, "", "application/json"};
  return ok({{"assignment", **got}});
}

Result<net::Response> heartbeat(Pool& pool, const nlohmann::json& b) {
  auto id = string_field(b, "worker_id");
  if (!id) return std::unexpected(id.error());
  std::vector<std::pair<std::string, int>> running;
  if (b.contains("running") && b["running"].is_array()) {
    for (const auto& r : b["running"]) {
      auto t = string_field(r, "task_id");
      auto a = int_field(r, "attempt");
      if (!t || !a) return fail(Errc::invalid_argument, "each entry of 'running' needs 'task_id' and 'attempt'");
      running.emplace_back(*t, static_cast<int>(*a));
    }
  }
  auto out = pool.heartbeat(*id, running);
  if (!out) return std::unexpected(out.error());
  return ok(*out);
}

Result<net::Response> finished(Pool& pool, const std::string& task_id, const nlohmann::json& b) {
  auto attempt = int_field(b, "attempt");
  if (!attempt) return std::unexpected(attempt.error());
  FinishReport rep;
  if (b.contains("exit_code") && b["exit_code"].is_number_integer()) rep.exit_code = b["exit_code"].get<std::int64_t>();
  if (b.contains("signal") && b["signal"].is_number_integer() && b["signal"].get<int>() > 0)
    rep.signal = b["signal"].get<int>();
  if (b.contains("reason") && b["reason"].is_string()) rep.reason = b["reason"];
  auto cpu = number_field(b, "cpu_seconds");
  auto wall = number_field(b, "wall_seconds");
  if (!cpu) return std::unexpected(cpu.error());
  if (!wall) return std::unexpected(wall.error());
  rep.cpu_seconds = *cpu;
  rep.wall_seconds = *wall;
  if (auto r = pool.finished(task_id, static_cast<int>(*attempt), rep); !r) return std::unexpected(r.error());
  return ok();
}

// PUT results: the upload goes to a file first, then is unpacked and stored.
net::Response results(Pool& pool, storage::Storage& storage, const std::filesystem::path& scratch_dir,
                      const net::Request& r, const net::BodyReader& read_body) {
  const std::string& task_id = r.matches.at(0);
  auto attempt = attempt_of(r, nullptr);
  if (!attempt) return error_response(attempt.error());
  if (auto cur = pool.check_current(task_id, *attempt); !cur) return error_response(cur.error());
  const std::string stem = task_id + "-" + std::to_string(*attempt) + "-" + proto::new_message_id().substr(0, 8);
  std::error_code ec;
  std::filesystem::create_directories(scratch_dir, ec);
  const auto file = scratch_dir / (stem + ".tar.zst");
  struct Cleanup {
    std::filesystem::path p;
    ~Cleanup() {
      std::error_code e;
      std::filesystem::remove(p, e);
    }
  } cleanup{file};
  {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    if (!out) return error_response(Error{Errc::io, "cannot write " + file.string()});
    auto got = read_body([&](std::string_view chunk) -> Result<void> {
      out.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
      if (!out) return fail(Errc::io, "cannot write " + file.string() + " (is the disk full?)");
      return {};
    });
    if (!got) return error_response(got.error());
  }
  auto keys = store_results(storage, task_id, file, scratch_dir / stem);
  if (!keys) return error_response(keys.error());
  if (auto rec = pool.results_stored(task_id, *attempt, *keys); !rec) return error_response(rec.error());
  return ok({{"stored", keys->size()}});
}

}  // namespace

void add_worker_routes(net::Server& server, Pool& pool, storage::Storage& storage,
                       const std::filesystem::path& scratch_dir) {
  const std::string base = kBase;
  const std::string task = base + "/tasks/([A-Za-z0-9._-]+)";
  server.route("POST", base + "/register", json_route([&pool](const net::Request&, const nlohmann::json& b) -> Result<net::Response> {
    auto info = worker_info_from_json(b);
    if (!info) return std::unexpected(info.error());
    auto out = pool.register_worker(*info);
    if (!out) return std::unexpected(out.error());
    return ok(*out);
  }));
  server.route("POST", base + "/lease",
               json_route([&pool](const net::Request&, const nlohmann::json& b) { return lease(pool, b); }));
  server.route("POST", base + "/heartbeat",
               json_route([&pool](const net::Request&, const nlohmann::json& b) { return heartbeat(pool, b); }));
  server.route("POST", base + "/deregister", json_route([&pool](const net::Request&, const nlohmann::json& b) -> Result<net::Response> {
    auto id = string_field(b, "worker_id");
    if (!id) return std::unexpected(id.error());
    if (auto r = pool.deregister(*id); !r) return std::unexpected(r.error());
    return ok();
  }));
  server.route("GET", task + "/bundle", [&pool](const net::Request& r) -> net::Response {
    auto attempt = attempt_of(r, nullptr);
    if (!attempt) return error_response(attempt.error());
    auto folder = pool.folder(r.matches.at(0), *attempt);
    if (!folder) return error_response(folder.error());
    net::Response res{200, "", "application/zstd"};
    res.stream = [dir = *folder](const net::BodyWriter& write) -> Result<void> {
      auto packed = archive::pack_folder(dir, archive::WriteFn(write));
      if (!packed) return std::unexpected(packed.error());
      return {};
    };
    return res;
  });
  // One dataset the attempt uses, as the remote's dataset cache holds it (read-only modes kept).
  server.route("GET", task + "/datasets/([0-9a-f]{32})", [&pool](const net::Request& r) -> net::Response {
    auto attempt = attempt_of(r, nullptr);
    if (!attempt) return error_response(attempt.error());
    auto dir = pool.dataset(r.matches.at(0), *attempt, r.matches.at(1));
    if (!dir) return error_response(dir.error());
    std::error_code ec;
    if (!std::filesystem::is_directory(*dir, ec))
      return net::json_error(410, "dataset_missing", "the remote's copy of the dataset is gone from its dataset cache "
                                                         "(removed by hand while a task uses it?); submit the task again");
    net::Response res{200, "", "application/zstd"};
    res.stream = [d = *dir](const net::BodyWriter& write) -> Result<void> {
      auto packed = archive::pack_folder(d, archive::WriteFn(write));
      if (!packed) return std::unexpected(packed.error());
      return {};
    };
    return res;
  });
  server.route("POST", task + "/started", json_route([&pool](const net::Request& r, const nlohmann::json& b) -> Result<net::Response> {
    auto attempt = int_field(b, "attempt");
    if (!attempt) return std::unexpected(attempt.error());
    auto at = int_field(b, "at_ms", 0);
    if (!at) return std::unexpected(at.error());
    if (auto s = pool.started(r.matches.at(0), static_cast<int>(*attempt), *at); !s) return std::unexpected(s.error());
    return ok();
  }));
  // Log and metrics bytes of an attempt: {"attempt", "offset", "data"} -> {"received"}.
  using Append = Result<std::int64_t> (Pool::*)(const std::string&, int, std::int64_t, std::string_view);
  for (auto [tail, append] : {std::pair<const char*, Append>{"/logs", &Pool::logs}, {"/metrics", &Pool::metrics}}) {
    server.route("POST", task + tail, json_route([&pool, append](const net::Request& r, const nlohmann::json& b) -> Result<net::Response> {
      auto attempt = int_field(b, "attempt");
      auto offset = int_field(b, "offset");
      if (!attempt) return std::unexpected(attempt.error());
      if (!offset) return std::unexpected(offset.error());
      if (!b.contains("data") || !b["data"].is_string()) return fail(Errc::invalid_argument, "field 'data' must be a string");
      auto got = (pool.*append)(r.matches.at(0), static_cast<int>(*attempt), *offset, b["data"].get_ref<const std::string&>());
      if (!got) return std::unexpected(got.error());
      return ok({{"received", *got}});
    }));
  }
  server.route_upload("PUT", task + "/results", kMaxResultsBytes,
                      [&pool, &storage, scratch_dir](const net::Request& r, const net::BodyReader& read_body) {
                        return results(pool, storage, scratch_dir, r, read_body);
                      });
  server.route("POST", task + "/finished", json_route([&pool](const net::Request& r, const nlohmann::json& b) {
    return finished(pool, r.matches.at(0), b);
  }));
}

}  // namespace lab::remote
