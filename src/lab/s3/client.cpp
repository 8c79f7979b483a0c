// The simple S3 operations: whole-object PUT, GET, HEAD, DELETE, ListObjectsV2.

#include "client_impl.hpp"

#include "xml.hpp"

#include <lab/util/strings.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <charconv>
#include <cstring>
#include <istream>

namespace lab::s3 {
namespace {

std::string quoted(std::string_view key) { return "'" + std::string(key) + "'"; }

std::uint64_t to_u64(std::string_view s) {
  std::uint64_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

// An open file read with pread, so parallel readers need no shared position.
class InputFile {
 public:
  explicit InputFile(const std::filesystem::path& p) : fd_(::open(p.c_str(), O_RDONLY | O_CLOEXEC)) {}
  ~InputFile() {
    if (fd_ >= 0) ::close(fd_);
  }
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;
  bool ok() const { return fd_ >= 0; }
  // Reads exactly n bytes at offset; false on error or end of file.
  bool read_at(std::uint64_t offset, char* buf, std::size_t n) const {
    while (n > 0) {
      ssize_t got = ::pread(fd_, buf, n, static_cast<off_t>(offset));
      if (got <= 0) return false;
      buf += got;
      n -= static_cast<std::size_t>(got);
      offset += static_cast<std::uint64_t>(got);
    }
    return true;
  }

 private:
  int fd_;
};

}  // namespace

Client::Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Client::~Client() = default;

Result<std::unique_ptr<Client>> Client::create(S3Options opts, Tuning tuning, sys::Clock* clock) {
  if (auto v = opts.validate(); !v) return std::unexpected(v.error());
  if (tuning.part_size < (5ull << 20))
    return fail(Errc::invalid_argument, "S3 part size must be at least 5 MiB (S3's minimum)");
  tuning.parallel_parts = std::max(1, tuning.parallel_parts);
  auto impl = std::make_unique<Impl>(std::move(opts), tuning, clock ? clock : &sys::real_clock());
  return std::unique_ptr<Client>(new Client(std::move(impl)));
}

std::string Client::describe() const { return impl_->opts.redacted(); }

Result<void> Client::put_file(std::string_view key, const std::filesystem::path& file) {
  std::error_code ec;
  const std::uint64_t size = std::filesystem::file_size(file, ec);
  if (ec) return fail(Errc::io, "cannot read " + file.string() + ": " + ec.message());
  InputFile in(file);
  if (!in.ok()) return fail(Errc::io, "cannot open " + file.string() + " for upload");
  auto read = [&in](std::uint64_t off, char* buf, std::size_t n) { return in.read_at(off, buf, n); };
  if (size > impl_->tuning.multipart_threshold) {
    std::uint64_t at = 0;  // parts are read in order, under the upload's lock
    return multipart_upload(*impl_, key, size, [&](char* buf, std::size_t n) -> Result<std::size_t> {
      std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(n, size - at));
      if (!in.read_at(at, buf, want)) return fail(Errc::io, "cannot read " + file.string() + " (did it shrink?)");
      at += want;
      return want;
    });
  }

  // First pass: the payload's SHA-256, so the server can check every byte it stores.
  Sha256 hash;
  std::vector<char> buf(1 << 20);
  for (std::uint64_t off = 0; off < size;) {
    std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), size - off));
    if (!in.read_at(off, buf.data(), n)) return fail(Errc::io, "cannot read " + file.string() + " (did it shrink?)");
    hash.update(buf.data(), n);
    off += n;
  }
  HttpRequest r("PUT", impl_->object_path(key));
  r.payload_hash = hash.finish_hex();
  r.body_size = size;
  r.read_body = read;
  r.retryable = true;
  r.what = "writing " + quoted(key);
  if (size == 0) r.read_body = nullptr;
  auto res = impl_->call_ok(r);
  if (!res) return std::unexpected(res.error());
  return {};
}

Result<void> Client::put_stream(std::string_view key, std::istream& in, std::uint64_t size) {
  std::uint64_t left = size;
  return put_reader(key, [&](char* buf, std::size_t n) -> Result<std::size_t> {
    in.read(buf, static_cast<std::streamsize>(std::min<std::uint64_t>(n, left)));
    auto got = static_cast<std::size_t>(in.gcount());
    left -= got;
    return got;
  }, size);
}

Result<void> Client::put_reader(std::string_view key, const PartReader& read, std::optional<std::uint64_t> size) {
  // Up to one part is read first: a body that ends within it is sent whole.
  std::string first(static_cast<std::size_t>(size ? std::min(*size, impl_->tuning.part_size) : impl_->tuning.part_size),
                    '\0');
  auto got = read(first.data(), first.size());
  if (!got) return std::unexpected(got.error());
  const bool whole = *got < impl_->tuning.part_size && (!size || *size <= impl_->tuning.part_size);
  if (!whole) {
    std::size_t handed = 0;  // bytes of `first` passed on; the multipart reader is called in order
    return multipart_upload(*impl_, key, size, [&](char* buf, std::size_t n) -> Result<std::size_t> {
      std::size_t from_first = std::min(n, *got - handed);
      if (from_first > 0) std::memcpy(buf, first.data() + handed, from_first);
      handed += from_first;
      if (from_first == n) return n;
      if (!first.empty()) std::string().swap(first);  // release the buffer once passed on
      auto more = read(buf + from_first, n - from_first);
      if (!more) return std::unexpected(more.error());
      return from_first + *more;
    });
  }
  first.resize(*got);
  if (size && *got != *size)
    return fail(Errc::io, "the data for " + quoted(key) + " was " + std::to_string(*got) + " bytes, not the " +
                              std::to_string(*size) + " announced");
  HttpRequest r("PUT", impl_->object_path(key));
  r.payload_hash = sha256_hex(first);
  // Sent through a reader like file bodies, so no Content-Type is attached to the object.
  r.body_size = first.size();
  if (!first.empty())
    r.read_body = [&first](std::uint64_t off, char* buf, std::size_t n) {
      std::memcpy(buf, first.data() + off, n);
      return true;
    };
  r.retryable = true;
  r.what = "writing " + quoted(key);
  auto res = impl_->call_ok(r);
  if (!res) return std::unexpected(res.error());
  return {};
}

Result<std::uint64_t> Client::get(std::string_view key, const Sink& sink, std::optional<ByteRange> range) {
  std::uint64_t delivered = 0;
  std::string etag;
  bool ranged = false;  // whether the request in flight asks for a range
  HttpRequest r("GET", impl_->object_path(key));
  auto set_range = [&](HttpRequest& req) {
    req.headers.clear();
    ranged = range.has_value() || delivered > 0;
    std::uint64_t start = (range ? range->offset : 0) + delivered;
    if (range || delivered > 0) {
      std::string v = "bytes=" + std::to_string(start) + "-";
      if (range && range->length) v += std::to_string(range->offset + *range->length - 1);
      req.headers.emplace_back("Range", v);
    }
    // A resumed download must continue the same object, not a newer one.
    if (!etag.empty()) req.headers.emplace_back("If-Match", etag);
  };
  if (range && range->length && *range->length == 0) return 0;
  set_range(r);
  int status = 0;
  r.on_headers = [&](int st, const std::string& tag) {
    status = st;
    if (st >= 200 && st < 300 && etag.empty()) etag = tag;
  };
  bool ignored_range = false;
  r.sink = [&](const char* data, std::size_t n) {
    // A server that ignores Range sends the whole object: never hand that out as the range.
    if (status == 200 && ranged) {
      ignored_range = true;
      return false;
    }
    if (!sink(data, n)) return false;
    delivered += n;
    return true;
  };
  r.retryable = true;
  r.what = "reading " + quoted(key);
  r.before_retry = set_range;
  auto res = impl_->call(r);
  if (ignored_range)
    return fail(Errc::unsupported, "the storage at " + impl_->opts.endpoint + " ignored a byte range while " + r.what);
  if (res && res->status >= 200 && res->status < 300) return delivered;
  if (!res) return std::unexpected(res.error());
  return std::unexpected(map_s3_error(res->status, res->body, res->header("date"),
                                      impl_->clock->now_ms(), impl_->context(r.what)));
}

Result<std::uint64_t> Client::get_to_file(std::string_view key, const std::filesystem::path& file,
                                          std::optional<ByteRange> range) {
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return fail(Errc::io, "cannot create " + file.string());
  bool write_failed = false;
  auto res = get(key, [&](const char* data, std::size_t n) {
    while (n > 0) {
      ssize_t w = ::write(fd, data, n);
      if (w <= 0) { write_failed = true; return false; }
      data += w;
      n -= static_cast<std::size_t>(w);
    }
    return true;
  }, range);
  bool closed = ::close(fd) == 0;
  if (!res || !closed || write_failed) {
    std::error_code ec;
    std::filesystem::remove(file, ec);
    if (write_failed || !closed) return fail(Errc::io, "cannot write " + file.string() + " (disk full?)");
    return res;
  }
  return res;
}

Result<ObjectInfo> Client::head(std::string_view key) {
  HttpRequest r("HEAD", impl_->object_path(key));
  r.retryable = true;
  r.what = "looking up " + quoted(key);
  std::int64_t before = impl_->clock->now_ms();
  auto res = impl_->call(r);
  if (!res) return std::unexpected(res.error());
  if (res->status == 404) {
    // HEAD answers carry no body, so ask the bucket whether it is the bucket that is missing.
    HttpRequest b("HEAD", impl_->bucket_path.empty() ? "/" : impl_->bucket_path);
    b.retryable = true;
    b.what = "looking up bucket '" + impl_->opts.bucket + "'";
    auto bres = impl_->call(b);
    if (bres && bres->status == 404)
      return std::unexpected(map_s3_error(404, "<Error><Code>NoSuchBucket</Code></Error>", "", before,
                                          impl_->context(r.what)));
  }
  if (res->status < 200 || res->status >= 300)
    return std::unexpected(map_s3_error(res->status, res->body, res->header("date"), before, impl_->context(r.what)));
  return ObjectInfo{std::string(key), to_u64(res->header("content-length")), res->header("etag"),
                    res->header("last-modified")};
}

Result<void> Client::remove(std::string_view key) {
  HttpRequest r("DELETE", impl_->object_path(key));
  r.retryable = true;
  r.what = "deleting " + quoted(key);
  auto res = impl_->call(r);
  if (!res) return std::unexpected(res.error());
  if (res->status == 404) {
    auto e = map_s3_error(res->status, res->body, res->header("date"), 0, impl_->context(r.what));
    if (e.code == Errc::not_found) return {};
    return std::unexpected(e);
  }
  if (res->status < 200 || res->status >= 300)
    return std::unexpected(map_s3_error(res->status, res->body, res->header("date"), impl_->clock->now_ms(),
                                        impl_->context(r.what)));
  return {};
}

Result<ListPage> Client::list_page(std::string_view prefix, std::string_view token, int max_keys,
                                   std::string_view start_after) {
  HttpRequest r("GET", impl_->bucket_path.empty() ? "/" : impl_->bucket_path);
  r.query = {{"list-type", "2"}, {"max-keys", std::to_string(std::clamp(max_keys, 1, 1000))},
             {"prefix", impl_->opts.prefix + std::string(prefix)}};
  if (!start_after.empty()) r.query.emplace_back("start-after", impl_->opts.prefix + std::string(start_after));
  else if (!token.empty()) r.query.emplace_back("continuation-token", std::string(token));
  r.retryable = true;
  r.what = "listing keys under " + quoted(prefix);
  auto res = impl_->call_ok(r);
  if (!res) return std::unexpected(res.error());
  auto doc = parse_xml(res->body);
  if (!doc) return fail_with_context(doc.error(), r.what);
  if (doc->name != "ListBucketResult")
    return fail(Errc::corrupt, "the storage answered a listing with <" + doc->name + ">");
  ListPage page;
  const std::string& pfx = impl_->opts.prefix;
  for (const auto& c : doc->children) {
    if (c.name != "Contents") continue;
    std::string k = c.child_text("Key");
    if (!util::starts_with(k, pfx)) continue;
    page.objects.push_back({k.substr(pfx.size()), to_u64(c.child_text("Size")), c.child_text("ETag"),
                            c.child_text("LastModified")});
  }
  if (doc->child_text("IsTruncated") == "true") {
    page.next_token = doc->child_text("NextContinuationToken");
    if (page.next_token.empty())
      return fail(Errc::corrupt, "the storage said the listing goes on but gave no continuation token");
  }
  return page;
}

Result<std::vector<ObjectInfo>> Client::list(std::string_view prefix) {
  std::vector<ObjectInfo> all;
  std::string token;
  do {
    auto page = list_page(prefix, token);
    if (!page) return std::unexpected(page.error());
    for (auto& o : page->objects) all.push_back(std::move(o));
    token = std::move(page->next_token);
  } while (!token.empty());
  return all;
}

std::string Client::presigned_get_url(std::string_view key, std::int64_t expires_s) {
  const Impl& i = *impl_;
  SignableRequest r{"GET", i.object_path(key), {}, {{"Host", i.host}}, ""};
  return presign_url(r, {i.opts.access_key, i.opts.secret_key, i.opts.session_token}, {i.opts.region, "s3"},
                     amz_date(i.clock->now_ms()), expires_s,
                     std::string(i.ep.tls ? "https://" : "http://") + i.host);
}

}  // namespace lab::s3
