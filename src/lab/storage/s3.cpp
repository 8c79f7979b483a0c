// The `s3` backend: the Storage contract (docs/storage.md) on lab::s3::Client. Keys are
// checked by the shared rules before any request; S3 itself gives the atomic replace (an
// object is visible whole or not at all) and the sorted listing. Page tokens are the last key
// of the page, sent as `start-after`, so they stay valid while objects come and go.
#include <lab/storage/s3.hpp>

#include <unistd.h>

#include <atomic>
#include <cstring>
#include <random>

#include <lab/storage/key.hpp>

namespace lab::storage {
namespace {

namespace fs = std::filesystem;

// A listing prefix follows the key rules once something is appended to it.
Result<void> validate_prefix(std::string_view prefix) {
  if (prefix.empty()) return {};
  if (auto v = validate_key(std::string(prefix) + "x"); !v)
    return fail(Errc::invalid_argument, "invalid list prefix '" + std::string(prefix) + "': " + v.error().message);
  return {};
}

class S3Storage final : public Storage {
 public:
  explicit S3Storage(std::unique_ptr<s3::Client> client) : client_(std::move(client)), salt_(std::random_device{}()) {}

  Result<void> put_file(std::string_view key, const fs::path& path) override {
    if (auto v = validate_key(key); !v) return v;
    std::error_code ec;
    if (!fs::is_regular_file(path, ec))
      return fail(Errc::not_found, "cannot read '" + path.string() + "' to store it: no such file");
    return client_->put_file(key, path);
  }

  // The reader is wrapped so that parts are filled whole and a size that does not match
  // fails the upload before it completes (the multipart upload is then aborted).
  Result<void> put_stream(std::string_view key, const ReadFn& read, std::optional<std::uint64_t> size) override {
    if (auto v = validate_key(key); !v) return v;
    std::uint64_t total = 0;
    bool mismatch = false;
    auto fill = [&](char* buf, std::size_t n) -> Result<std::size_t> {
      std::size_t got = 0;
      while (got < n) {
        auto r = read(std::span<std::byte>(reinterpret_cast<std::byte*>(buf) + got, n - got));
        if (!r) return std::unexpected(r.error());
        if (*r == 0) break;
        got += std::min(*r, n - got);
      }
      total += got;
      if (size && total == *size && got == n) {  // the announced end: the data must end too
        std::byte probe[1];
        auto more = read(probe);
        if (!more) return std::unexpected(more.error());
        total += *more;
      }
      if (size && (total > *size || (got < n && total != *size))) {
        mismatch = true;
        return fail(Errc::invalid_argument, "size mismatch");
      }
      return got;
    };
    auto r = client_->put_reader(key, fill, size);
    if (!r && mismatch) {
      return fail(Errc::invalid_argument, "the data for '" + std::string(key) + "' was " +
                                              (total > *size ? "more than" : std::to_string(total) + " bytes, not") +
                                              " the " + std::to_string(*size) + " bytes announced; nothing was stored");
    }
    return r;
  }

  Result<void> get_file(std::string_view key, const fs::path& path, std::optional<ByteRange> range) override {
    if (auto v = validate_key(key); !v) return v;
    fs::path part = path.parent_path() / (".lab-part-" + path.filename().string() + "-" + std::to_string(::getpid()) +
                                          "-" + std::to_string(salt_) + "-" + std::to_string(counter_++));
    std::FILE* f = std::fopen(part.c_str(), "wbx");
    if (!f) return fail(Errc::io, "cannot create '" + part.string() + "': " + std::strerror(errno));
    WriteFn write = [&](std::span<const std::byte> chunk) -> Result<void> {
      if (std::fwrite(chunk.data(), 1, chunk.size(), f) != chunk.size())
        return fail(Errc::io, "cannot write '" + part.string() + "': " + std::strerror(errno));
      return {};
    };
    auto r = get_stream(key, write, range);
    bool closed = std::fclose(f) == 0;
    if (r && !closed) r = fail(Errc::io, "cannot write '" + part.string() + "' (disk full?)");
    if (r && ::rename(part.c_str(), path.c_str()) != 0)
      r = fail(Errc::io, "cannot write '" + path.string() + "': " + std::strerror(errno));
    if (!r) ::unlink(part.c_str());
    return r;
  }

  Result<void> get_stream(std::string_view key, const WriteFn& write, std::optional<ByteRange> range) override {
    if (auto v = validate_key(key); !v) return v;
    std::optional<s3::ByteRange> want;
    if (range) want = s3::ByteRange{range->offset, range->length};
    if (range && range->length && *range->length == 0) {  // selects nothing, but the object must exist
      auto s = size(key);
      if (!s) return std::unexpected(s.error());
      return {};
    }
    std::optional<Error> write_error;
    auto got = client_->get(key, [&](const char* data, std::size_t n) {
      auto w = write(std::span<const std::byte>(reinterpret_cast<const std::byte*>(data), n));
      if (!w) write_error = w.error();
      return w.has_value();
    }, want);
    if (write_error) return std::unexpected(*write_error);
    // A range starting at or past the end selects nothing: S3 answers 416, the contract "".
    if (!got && range && got.error().code == Errc::invalid_argument) {
      auto s = size(key);
      if (!s) return std::unexpected(s.error());
      if (range->offset >= *s) return {};
    }
    if (!got) return std::unexpected(got.error());
    return {};
  }

  Result<bool> exists(std::string_view key) override {
    auto s = size(key);
    if (s) return true;
    if (s.error().code == Errc::not_found) return false;
    return std::unexpected(s.error());
  }

  Result<std::uint64_t> size(std::string_view key) override {
    if (auto v = validate_key(key); !v) return std::unexpected(v.error());
    auto info = client_->head(key);
    if (!info) return std::unexpected(info.error());
    return info->size;
  }

  Result<ListPage> list(std::string_view prefix, std::string_view page_token, std::size_t max_keys) override {
    if (auto v = validate_prefix(prefix); !v) return std::unexpected(v.error());
    if (!page_token.empty()) {
      if (auto v = validate_key(page_token); !v) return fail(Errc::invalid_argument, "invalid page token");
    }
    if (max_keys == 0 || max_keys > kMaxListPage) max_keys = kMaxListPage;
    auto page = client_->list_page(prefix, {}, static_cast<int>(max_keys), page_token);
    if (!page) return std::unexpected(page.error());
    ListPage out;
    for (auto& o : page->objects) out.objects.push_back({std::move(o.key), o.size});
    if (!page->next_token.empty() && !out.objects.empty()) out.next_token = out.objects.back().key;
    return out;
  }

  Result<void> remove(std::string_view key) override {
    if (auto v = validate_key(key); !v) return v;
    return client_->remove(key);
  }

 private:
  std::unique_ptr<s3::Client> client_;
  const std::uint64_t salt_;
  std::atomic<std::uint64_t> counter_{0};
};

}  // namespace

Result<std::unique_ptr<Storage>> make_s3_storage(const StorageOptions& options) {
  auto client = s3::Client::create(options.s3, options.s3_tuning);
  if (!client) return std::unexpected(client.error());
  // One cheap signed request: wrong credentials, a missing bucket or a dead store show now.
  if (auto probe = (*client)->list_page("", {}, 1); !probe) return std::unexpected(probe.error());
  return std::unique_ptr<Storage>(new S3Storage(std::move(*client)));
}

}  // namespace lab::storage
