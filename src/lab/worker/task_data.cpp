// A job's datasets (docs/datasets.md, docs/worker-protocol.md): each is fetched from the
// remote as tar.zst (GET .../datasets/<hash>) into this machine's dataset cache, once per
// machine however many jobs need it, and linked into the task folder at datasets/<name>.
#include "task_job.hpp"

#include <lab/archive/archive.hpp>
#include <lab/util/strings.hpp>

namespace lab::worker {
namespace fs = std::filesystem;

std::string TaskJob::fetch_datasets(const fs::path& folder) {
  if (assignment_.datasets.empty()) return "";
  if (!context_.datasets) return "this worker has no dataset cache, so it cannot run tasks that use datasets";
  for (const auto& use : assignment_.datasets) {
    archive::Stats unpacked;
    auto fill = [&](const fs::path& into) -> Result<void> {
      note("fetching dataset " + use.name + " into this machine's dataset cache");
      const fs::path tarball = context_.work_dir / (assignment_.key() + ".dataset-" + use.hash + ".tar.zst");
      struct Cleanup {
        fs::path p;
        ~Cleanup() {
          std::error_code e;
          fs::remove(p, e);
        }
      } cleanup{tarball};
      Result<net::HttpResponse> last;
      Answer a = call("downloading dataset " + use.name, [&] {
        return client_->download(path("datasets/" + use.hash + "?attempt=" + std::to_string(assignment_.attempt)), tarball);
      }, &last);
      if (a == Answer::gone) gone_ = true;
      if (a != Answer::ok) return fail(Errc::io, "could not download dataset " + use.name + " (" + describe(last) + ")");
      auto got = archive::unpack(tarball, into);
      if (!got) return fail(Errc::corrupt, "could not unpack dataset " + use.name + ": " + got.error().message);
      unpacked = *got;
      return {};
    };
    auto on_wait = [&](int others) {
      note("waiting for dataset " + use.name + ": another task on this machine is fetching it (shared with " +
           std::to_string(others) + " other task" + (others == 1 ? "" : "s") + ")");
    };
    auto copy = context_.datasets->get(use.hash, fill, on_wait, [&] { return gone_ || stopper_.stopped(); });
    if (gone_ || stopper_.stopped()) return "";
    if (!copy) return copy.error().message;
    if (copy->filled)
      note("dataset " + use.name + " ready: " + std::to_string(unpacked.entries) + " entries, " +
           util::human_bytes(unpacked.content_bytes));
    else
      note("dataset " + use.name + " ready (already on this machine)");
    if (auto l = datasets::link_into(folder, use, copy->path); !l) return l.error().message;
  }
  return "";
}

}  // namespace lab::worker
