#include "fixture.hpp"

#include <lab/files/manifest.hpp>
#include <lab/storage/layout.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

using namespace lab;
using namespace lab::proxy::testing;

namespace {

std::string hash_of(const std::string& s) { return files::Hash128::of(s).hex(); }

// Posts `body` as a chunked stream of 1000-byte pieces, as the CLI sends blobs.
httplib::Result post_chunked(Fixture& f, const std::string& token, std::string body) {
  auto data = std::make_shared<std::string>(std::move(body));
  auto r = f.http->Post(
      "/api/v1/blobs", Fixture::bearer(token),
      [data](std::size_t offset, httplib::DataSink& sink) {
        if (offset >= data->size()) {
          sink.done();
          return true;
        }
        std::size_t n = std::min<std::size_t>(1000, data->size() - offset);
        return sink.write(data->data() + offset, n);
      },
      "application/x-lab-blobs");
  const std::string why = r ? "" : "the upload failed: " + httplib::to_string(r.error());
  REQUIRE_MESSAGE(r, why);
  return r;
}

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

json manifest_of(const std::vector<std::pair<std::string, std::string>>& files) {
  files::Manifest m;
  for (const auto& [path, content] : files) {
    files::Entry e;
    e.path = path;
    e.size = content.size();
    e.hash = files::Hash128::of(content);
    m.entries.push_back(e);
  }
  std::sort(m.entries.begin(), m.entries.end(), [](auto& a, auto& b) { return a.path < b.path; });
  return json::parse(files::to_json(m));
}

// Sends raw HTTP and returns the status line's code.
int raw_status(int port, const std::string& request) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  REQUIRE(send(fd, request.data(), request.size(), 0) == static_cast<ssize_t>(request.size()));
  char buf[512] = {};
  ssize_t n = recv(fd, buf, sizeof buf - 1, 0);
  close(fd);
  REQUIRE(n > 12);
  return std::stoi(std::string(buf + 9, 3));
}

}  // namespace

TEST_CASE("proxy upload: missing, blobs, snapshot") {
  Fixture f("upload");
  const std::string t = f.sign_up("alice");
  const std::string a = "print('hello')\n", b(300'000, 'b'), c = std::string(2'000'000, 'c') + "end";
  const std::string ha = hash_of(a), hb = hash_of(b), hc = hash_of(c);

  auto miss = f.post("/api/v1/blobs/missing", {{"hashes", {ha, hb, hc, ha}}}, t);
  REQUIRE(miss->status == 200);
  CHECK(Fixture::body_of(miss)["missing"] == json({ha, hb, hc}));

  // The snapshot cannot be made before its blobs are there.
  auto manifest = manifest_of({{"train.py", a}, {"data/b.bin", b}, {"data/c.bin", c}});
  auto early = f.post("/api/v1/snapshots", {{"manifest", manifest}}, t);
  CHECK(early->status == 409);
  CHECK(Fixture::body_of(early)["missing"].size() == 3);

  auto up = post_chunked(f, t, tar_of({{ha, a}, {hb, b}}));
  REQUIRE(up);
  REQUIRE_MESSAGE(up->status == 200, up->body);
  CHECK(Fixture::body_of(up)["stored"] == 2);
  CHECK(Fixture::body_of(up)["bytes"] == a.size() + b.size());
  CHECK(slurp(f.dir / "storage" / storage::layout::blob_key(hb).value()) == b);

  CHECK(Fixture::body_of(f.post("/api/v1/blobs/missing", {{"hashes", {ha, hb, hc}}}, t))["missing"] == json({hc}));
  auto partial = f.post("/api/v1/snapshots", {{"manifest", manifest}}, t);
  CHECK(partial->status == 409);
  CHECK(Fixture::body_of(partial)["missing"] == json({hc}));

  REQUIRE(post_chunked(f, t, tar_of({{hc, c}}))->status == 200);  // large: staged in a file
  CHECK(slurp(f.dir / "storage" / storage::layout::blob_key(hc).value()) == c);
  auto snap = f.post("/api/v1/snapshots", {{"manifest", manifest}}, t);
  REQUIRE(snap->status == 201);
  auto sj = Fixture::body_of(snap);
  CHECK(sj["files"] == 3);
  CHECK(sj["bytes"] == a.size() + b.size() + c.size());
  const std::string id = sj["snapshot"];
  auto stored = files::manifest_from_json(slurp(f.dir / "storage" / storage::layout::manifest_key(id).value()));
  REQUIRE(stored);
  CHECK(stored->entries.size() == 3);
  CHECK(hash_of(files::to_json(*stored)) == id);  // the id is the canonical manifest's hash
  // The same manifest again is the same snapshot; uploading a known blob again is harmless.
  CHECK(Fixture::body_of(f.post("/api/v1/snapshots", {{"manifest", manifest}}, t))["snapshot"] == id);
  CHECK(post_chunked(f, t, tar_of({{ha, a}}))->status == 200);
  // Staging files are cleaned up.
  CHECK(std::filesystem::is_empty(f.dir / "cache" / "tmp"));
}

TEST_CASE("proxy upload: a corrupt entry refuses the request and keeps the good ones before it") {
  Fixture f("upload-corrupt");
  const std::string t = f.sign_up("alice");
  const std::string good = "good content", bad = "tampered content";
  const std::string hgood = hash_of(good), hbad_name = hash_of("original content");
  auto r = post_chunked(f, t, tar_of({{hgood, good}, {hbad_name, bad}}));
  REQUIRE(r);
  CHECK(r->status == 400);
  CHECK(Fixture::error_code(r) == "invalid_argument");
  CHECK(Fixture::body_of(r)["error"]["message"].get<std::string>().find(hbad_name) != std::string::npos);
  CHECK(Fixture::body_of(f.post("/api/v1/blobs/missing", {{"hashes", {hgood, hbad_name}}}, t))["missing"] ==
        json({hbad_name}));
  CHECK_FALSE(std::filesystem::exists(f.dir / "storage" / storage::layout::blob_key(hbad_name).value()));

  auto named_badly = post_chunked(f, t, tar_of({{"not-a-hash", "x"}}));
  CHECK(named_badly->status == 400);
  auto not_tar = post_chunked(f, t, std::string(1024, 'z'));
  CHECK(not_tar->status == 400);
  auto wrong_type = f.http->Post("/api/v1/blobs", Fixture::bearer(t), tar_of({{hgood, good}}), "text/plain");
  CHECK(wrong_type->status == 400);
  CHECK(post_chunked(f, "", tar_of({{hgood, good}}))->status == 401);
}

TEST_CASE("proxy upload: bad requests answer 400, oversized bodies 413 before they are read") {
  Fixture f("upload-limits");
  const std::string t = f.sign_up("alice");
  CHECK(f.post("/api/v1/blobs/missing", {{"hashes", "abc"}}, t)->status == 400);
  CHECK(f.post("/api/v1/blobs/missing", {{"hashes", {"ABC"}}}, t)->status == 400);
  CHECK(f.post("/api/v1/snapshots", {{"manifest", {{"format", "nope"}}}}, t)->status == 400);
  const int port = std::stoi(f.proxy->url().substr(f.proxy->url().rfind(':') + 1));
  const int status = raw_status(port,
                                "POST /api/v1/tasks HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + t +
                                    "\r\nContent-Type: application/json\r\nContent-Length: 100000000\r\n\r\n{");
  CHECK(status == 413);
}

TEST_CASE("proxy upload: many small blobs in one request are all stored and indexed") {
  Fixture f("upload-many");
  const std::string t = f.sign_up("alice");
  std::vector<std::pair<std::string, std::string>> entries;
  std::vector<std::string> hashes;
  for (int i = 0; i < 300; ++i) {
    std::string content = "file " + std::to_string(i) + "\n" + std::string(static_cast<std::size_t>(i * 37), 'x');
    hashes.push_back(hash_of(content));
    entries.emplace_back(hashes.back(), std::move(content));
  }
  auto up = post_chunked(f, t, tar_of(entries));
  REQUIRE_MESSAGE(up->status == 200, up->body);
  CHECK(Fixture::body_of(up)["stored"] == 300);
  for (const auto& [h, content] : entries) CHECK(slurp(f.dir / "storage" / storage::layout::blob_key(h).value()) == content);
  // The answer came after every store and its index entry: with the objects gone from
  // storage, the index alone still says they are there.
  for (const auto& h : hashes) std::filesystem::remove(f.dir / "storage" / storage::layout::blob_key(h).value());
  CHECK(Fixture::body_of(f.post("/api/v1/blobs/missing", {{"hashes", hashes}}, t))["missing"] == json::array());
}

TEST_CASE("proxy upload: a blob put into storage by something else counts as stored") {
  Fixture f("upload-foreign");
  const std::string t = f.sign_up("alice");
  // Five contents whose blobs share a folder (asked about with one listing), one alone (a
  // HEAD), and one that is nowhere.
  std::map<std::string, std::vector<std::string>> by_folder;
  std::vector<std::string> listed;
  for (int i = 0; listed.empty(); ++i) {
    std::string c = "content " + std::to_string(i);
    auto& v = by_folder[hash_of(c).substr(0, 2)];
    v.push_back(c);
    if (v.size() == 5) listed = v;
  }
  const std::string alone = "a file put there by another client", absent = "never stored";
  auto put_foreign = [&](const std::string& content) {
    auto path = f.dir / "storage" / storage::layout::blob_key(hash_of(content)).value();
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << content;
  };
  std::vector<std::pair<std::string, std::string>> files;
  std::vector<std::string> asked;
  for (const auto& c : listed) {
    put_foreign(c);
    files.emplace_back("data/" + hash_of(c), c);
    asked.push_back(hash_of(c));
  }
  put_foreign(alone);
  asked.push_back(hash_of(alone));
  asked.push_back(hash_of(absent));
  CHECK(Fixture::body_of(f.post("/api/v1/blobs/missing", {{"hashes", asked}}, t))["missing"] == json({hash_of(absent)}));
  // A snapshot of them is accepted without any upload.
  files.emplace_back("alone.txt", alone);
  auto snap = f.post("/api/v1/snapshots", {{"manifest", manifest_of(files)}}, t);
  CHECK_MESSAGE(snap->status == 201, snap->body);
}
