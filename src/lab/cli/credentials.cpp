#include <lab/cli/credentials.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

namespace lab::cli {
namespace {

std::filesystem::path file_path() { return config_dir() / "credentials.json"; }

}  // namespace

std::filesystem::path config_dir() {
  if (const char* d = std::getenv("LAB_CONFIG_DIR"); d && *d) return d;
  if (const char* x = std::getenv("XDG_CONFIG_HOME"); x && *x) return std::filesystem::path(x) / "lab";
  const char* home = std::getenv("HOME");
  return std::filesystem::path(home && *home ? home : "/tmp") / ".config" / "lab";
}

Result<std::optional<Credentials>> load_credentials() {
  auto path = file_path();
  std::ifstream in(path);
  if (!in) {
    if (errno == ENOENT) return std::optional<Credentials>{};
    return fail(Errc::io, "cannot read " + path.string() + ": " + std::strerror(errno));
  }
  try {
    auto j = nlohmann::json::parse(in);
    Credentials c;
    c.proxy_url = j.value("proxy_url", "");
    c.user = j.at("user").get<std::string>();
    c.token = j.at("token").get<std::string>();
    c.expires_at_ms = j.value("expires_at_ms", std::int64_t{0});
    return std::optional<Credentials>(std::move(c));
  } catch (const std::exception&) {
    return fail(Errc::corrupt, path.string() + " is damaged; run `lab login NAME` to sign in again");
  }
}

Result<void> save_credentials(const Credentials& c) {
  auto dir = config_dir();
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return fail(Errc::io, "cannot create " + dir.string() + ": " + ec.message());
  ::chmod(dir.c_str(), 0700);
  nlohmann::json j{{"proxy_url", c.proxy_url}, {"user", c.user}, {"token", c.token}, {"expires_at_ms", c.expires_at_ms}};
  std::string text = j.dump(2) + "\n";
  auto final_path = file_path();
  auto tmp = final_path.string() + ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return fail(Errc::io, "cannot write " + tmp + ": " + std::strerror(errno));
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), final_path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return fail(Errc::io, "cannot write " + final_path.string() + ": " + std::strerror(errno));
  }
  return {};
}

Result<void> forget_credentials() {
  std::error_code ec;
  std::filesystem::remove(file_path(), ec);
  if (ec) return fail(Errc::io, "cannot remove " + file_path().string() + ": " + ec.message());
  return {};
}

std::string resolve_proxy_url(const std::optional<std::string>& flag, const std::optional<Credentials>& stored) {
  std::string url;
  if (flag && !flag->empty()) url = *flag;
  else if (const char* env = std::getenv("LAB_PROXY_URL"); env && *env) url = env;
  else if (stored && !stored->proxy_url.empty()) url = stored->proxy_url;
  else url = kDefaultProxyUrl;
  while (url.size() > 1 && url.back() == '/') url.pop_back();
  return url;
}

}  // namespace lab::cli
