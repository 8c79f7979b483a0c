#include <lab/util/strings.hpp>
#include <lab/worker/cgroup.hpp>

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

namespace lab::worker {
namespace {

constexpr std::int64_t kCpuPeriodUs = 100000;

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool write_file(const std::filesystem::path& p, const std::string& text) {
  std::ofstream out(p);
  out << text;
  out.flush();
  return static_cast<bool>(out);
}

}  // namespace

Result<std::filesystem::path> find_cgroup_parent(const std::filesystem::path& mount) {
  if (!std::filesystem::exists(mount / "cgroup.controllers"))
    return fail(Errc::unsupported, "no cgroup v2 hierarchy at " + mount.string());
  // "0::/some/path" is this process's cgroup v2 membership.
  std::string self;
  for (const auto& line : util::split(read_file("/proc/self/cgroup"), '\n'))
    if (line.starts_with("0::")) self = line.substr(3);
  std::filesystem::path here = mount / std::filesystem::path(self).relative_path();
  if (::access(here.c_str(), W_OK) != 0)
    return fail(Errc::unsupported, "cgroup v2 is mounted but this worker's cgroup " + here.string() +
                                       " is not writable (run it as root, or in a unit with Delegate=yes)");
  std::string controllers = read_file(here / "cgroup.controllers");
  if (controllers.find("memory") == std::string::npos || controllers.find("cpu") == std::string::npos)
    return fail(Errc::unsupported, "the memory and cpu controllers are not delegated to " + here.string());
  // cgroup v2's "no internal processes" rule: a cgroup that hands controllers to its children
  // may not hold processes itself. The worker moves itself into a leaf, `lab-worker`, and
  // creates task cgroups beside it.
  std::error_code ec;
  std::filesystem::create_directory(here / "lab-worker", ec);
  if (ec || !write_file(here / "lab-worker" / "cgroup.procs", std::to_string(::getpid())) ||
      !write_file(here / "cgroup.subtree_control", "+memory +cpu"))
    return fail(Errc::unsupported, "cannot delegate the memory and cpu controllers under " + here.string());
  return here;
}

Result<std::unique_ptr<TaskCgroup>> TaskCgroup::create(const std::filesystem::path& parent, const std::string& name,
                                                        std::uint64_t memory_bytes, int cpus) {
  auto dir = parent / ("lab-" + name);
  std::error_code ec;
  std::filesystem::create_directory(dir, ec);
  if (ec) return fail(Errc::io, "cannot create cgroup " + dir.string() + ": " + ec.message());
  std::unique_ptr<TaskCgroup> cg(new TaskCgroup(dir));
  if (memory_bytes && !write_file(dir / "memory.max", std::to_string(memory_bytes)))
    return fail(Errc::io, "cannot set memory.max in " + dir.string());
  if (memory_bytes) write_file(dir / "memory.swap.max", "0");
  if (cpus > 0 && !write_file(dir / "cpu.max", std::to_string(cpus * kCpuPeriodUs) + " " + std::to_string(kCpuPeriodUs)))
    return fail(Errc::io, "cannot set cpu.max in " + dir.string());
  return cg;
}

std::uint64_t TaskCgroup::oom_kills() const {
  for (const auto& line : util::split(read_file(dir_ / "memory.events"), '\n'))
    if (line.starts_with("oom_kill ")) return std::stoull(line.substr(9));
  return 0;
}

TaskCgroup::~TaskCgroup() {
  // cgroup.kill (Linux 5.14+) ends everything inside at once; then the folder can go.
  write_file(dir_ / "cgroup.kill", "1");
  for (int i = 0; i < 50; ++i) {
    if (::rmdir(dir_.c_str()) == 0 || errno == ENOENT) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace lab::worker
