// net::Client requests whose bodies are streamed from or to files, and interrupt().
#include "client_impl.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <thread>

namespace lab::net {
namespace {

// interrupt() shuts the socket down up to this many times, this far apart.
constexpr int kInterruptTries = 300;
constexpr std::chrono::milliseconds kInterruptPause{10};

// Closes a file descriptor when it goes out of scope.
struct FdGuard {
  int fd = -1;
  ~FdGuard() {
    if (fd >= 0) ::close(fd);
  }
};

bool write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

Result<HttpResponse> Client::download(std::string_view path, const std::filesystem::path& file,
                                      std::optional<std::chrono::milliseconds> read_timeout) {
  ActiveRequest active(*impl_);
  if (impl_->interrupted) return std::unexpected(interrupted_error(*impl_));
  impl_->http->set_read_timeout(read_timeout.value_or(impl_->options.read_timeout));
  HttpResponse out;
  FdGuard fd;
  std::string write_error;
  auto on_response = [&](const httplib::Response& res) {
    out.status = res.status;
    if (res.status / 100 != 2) return true;
    fd.fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd.fd < 0) write_error = std::strerror(errno);
    return fd.fd >= 0;
  };
  auto on_data = [&](const char* data, std::size_t size) {
    if (out.status / 100 != 2) {
      out.body.append(data, std::min(size, kMaxErrorBody - std::min(kMaxErrorBody, out.body.size())));
      return true;
    }
    if (write_all(fd.fd, data, size)) return true;
    write_error = std::strerror(errno);
    return false;
  };
  auto r = impl_->http->Get(std::string(path), on_response, on_data);
  bool wrote = fd.fd >= 0;
  if (wrote && (!r || !write_error.empty())) {
    std::error_code ec;
    std::filesystem::remove(file, ec);
  }
  if (!write_error.empty())
    return fail(Errc::io, "cannot write " + file.string() + " (downloading " + impl_->url + std::string(path) +
                              "): " + write_error);
  if (!r) return std::unexpected(explain(r.error(), *impl_));
  if (wrote && ::fsync(fd.fd) != 0) return fail(Errc::io, "cannot write " + file.string() + ": " + std::strerror(errno));
  return out;
}

Result<HttpResponse> Client::put_file(std::string_view path, const std::filesystem::path& file,
                                      std::string_view content_type,
                                      std::optional<std::chrono::milliseconds> read_timeout) {
  ActiveRequest active(*impl_);
  if (impl_->interrupted) return std::unexpected(interrupted_error(*impl_));
  FdGuard fd{::open(file.c_str(), O_RDONLY | O_CLOEXEC)};
  struct stat st {};
  if (fd.fd < 0 || ::fstat(fd.fd, &st) != 0)
    return fail(Errc::io, "cannot read " + file.string() + " to upload it: " + std::strerror(errno));
  std::string read_error;
  auto provide = [&](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
    char buf[64 * 1024];
    ssize_t n = ::pread(fd.fd, buf, std::min(length, sizeof buf), static_cast<off_t>(offset));
    if (n <= 0) {
      read_error = n < 0 ? std::strerror(errno) : "the file shrank while it was sent";
      return false;
    }
    return sink.write(buf, static_cast<std::size_t>(n));
  };
  impl_->http->set_read_timeout(read_timeout.value_or(impl_->options.read_timeout));
  auto r = impl_->http->Put(std::string(path), static_cast<std::size_t>(st.st_size), provide, std::string(content_type));
  if (!read_error.empty()) return fail(Errc::io, "cannot read " + file.string() + " to upload it: " + read_error);
  if (!r) return std::unexpected(explain(r.error(), *impl_));
  return HttpResponse{r->status, std::move(r->body)};
}

void Client::interrupt() {
  impl_->interrupted = true;
  // A request that had passed its check but not yet put its socket in use survives one
  // stop(); repeat until it has ended (bounded, in case it is stuck connecting).
  for (int i = 0; i < kInterruptTries; ++i) {
    impl_->http->stop();
    if (impl_->active == 0) return;
    std::this_thread::sleep_for(kInterruptPause);
  }
}

bool Client::interrupted() const { return impl_->interrupted; }

}  // namespace lab::net
