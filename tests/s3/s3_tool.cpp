// A small driver for the S3 suite's shell half (tests/s3/run-live.sh) and bench/s3.sh:
// put/get/ls one object with lab::s3::Client, so the aws CLI can check what lab wrote, and
// peak memory can be read for a large transfer; `store-put` / `store-get` go through the
// storage interface's streams instead (the proxy's and the remote's path: a stream of unknown
// length in, a stream out); `presign` prints a presigned GET URL for a peer (curl).
// Options come from S3_ENDPOINT, LAB_S3_BUCKET and AWS_* variables.
//   lab_s3_tool put FILE KEY | get KEY FILE | ls PREFIX | store-put FILE KEY | store-get KEY FILE | presign KEY
// Prints "peak_rss_kb N" (VmHWM) on stderr when done; exit 0 on success, 1 on failure.
#include <lab/s3/client.hpp>
#include <lab/storage/storage.hpp>

#include <cstdio>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>

namespace {

long peak_rss_kb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  return -1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3 && argc != 4) {
    std::cerr << "usage: lab_s3_tool put FILE KEY | get KEY FILE | ls PREFIX | store-put FILE KEY | "
                 "store-get KEY FILE | presign KEY\n";
    return 2;
  }
  lab::s3::S3Options o;
  o.endpoint = std::getenv("S3_ENDPOINT") ? std::getenv("S3_ENDPOINT") : "";
  o.bucket = std::getenv("LAB_S3_BUCKET") ? std::getenv("LAB_S3_BUCKET") : "";
  o.apply_env_fallback();
  std::string verb = argv[1];
  if (verb.rfind("store-", 0) == 0 && argc == 4) {
    lab::storage::StorageOptions so;
    so.type = "s3";
    so.s3 = o;
    auto store = lab::storage::make_storage(so);
    lab::Result<void> done;
    if (!store) done = std::unexpected(store.error());
    std::FILE* f = nullptr;
    if (done && verb == "store-put" && (f = std::fopen(argv[2], "rb"))) {
      done = (*store)->put_stream(argv[3], [f](std::span<std::byte> buf) -> lab::Result<std::size_t> {
        return std::fread(buf.data(), 1, buf.size(), f);
      });
    } else if (done && verb == "store-get" && (f = std::fopen(argv[3], "wb"))) {
      done = (*store)->get_stream(argv[2], [f](std::span<const std::byte> c) -> lab::Result<void> {
        if (std::fwrite(c.data(), 1, c.size(), f) != c.size()) return lab::fail(lab::Errc::io, "cannot write");
        return {};
      });
    } else if (done) {
      done = lab::fail(lab::Errc::io, std::string("cannot open the file for ") + verb);
    }
    if (f && std::fclose(f) != 0 && done) done = lab::fail(lab::Errc::io, "cannot write the file");
    std::cerr << "peak_rss_kb " << peak_rss_kb() << "\n";
    if (!done) std::cerr << done.error().message << "\n";
    return done ? 0 : 1;
  }
  auto client = lab::s3::Client::create(o);
  if (!client) {
    std::cerr << client.error().message << "\n";
    return 1;
  }
  lab::Result<void> ok;
  if (verb == "put" && argc == 4) {
    ok = (*client)->put_file(argv[3], argv[2]);
  } else if (verb == "get" && argc == 4) {
    auto n = (*client)->get_to_file(argv[2], argv[3]);
    if (!n) ok = std::unexpected(n.error());
  } else if (verb == "presign" && argc == 3) {
    std::cout << (*client)->presigned_get_url(argv[2], 3600) << "\n";
  } else if (verb == "ls" && argc == 3) {
    auto all = (*client)->list(argv[2]);
    if (!all) ok = std::unexpected(all.error());
    else
      for (const auto& obj : *all) std::cout << obj.size << " " << obj.key << "\n";
  } else {
    std::cerr << "unknown command " << verb << "\n";
    return 2;
  }
  std::cerr << "peak_rss_kb " << peak_rss_kb() << "\n";
  if (!ok) {
    std::cerr << ok.error().message << "\n";
    return 1;
  }
  return 0;
}
