// One machine's copies of datasets (docs/datasets.md, "Caches"): "<dir>/<hash>/" holds the
// files of the dataset whose manifest hash is <hash>, read-only (files 0444, or 0555 when
// executable; folders 0555). Every task on the machine that uses the dataset links to that
// one folder, so it is on disk once however many tasks use it.
//
// A copy is built in "<dir>/.partial-<hash>-..." and renamed into place when complete, so
// "<dir>/<hash>" exists only whole: a crash mid-fill leaves a partial folder that is never
// used and is removed by the next fill of that hash. Fills of one hash are serialised by a
// lock file ("<dir>/.locks/<hash>.lock", flock), across threads and processes: the first
// caller fills, the others wait (or give up when their `Stop` says so) and then use its copy. Copies are never removed by lab
// while it runs (no eviction yet).
#pragma once

#include <lab/result.hpp>

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace lab::datasets {

// Writes a dataset's files into `into` (an empty folder that exists). Modes are fixed
// afterwards; symlinks inside are kept as they are.
using Fill = std::function<Result<void>(const std::filesystem::path& into)>;

// Told, before a caller waits, that `others` (>= 1) other tasks fetch or wait for the same
// dataset ("shared with N other tasks").
using OnWait = std::function<void(int others)>;

// Asked while a caller waits for another's fill: true makes it give up (its task was
// cancelled, or its worker is stopping).
using Stop = std::function<bool()>;

// What `Cache::get` returns.
struct Copy {
  std::filesystem::path path;  // "<dir>/<hash>", absolute
  bool filled = false;         // this call made it (false: it was there, or another caller made it)
};

// Thread-safe; several Caches (in one process or several) may share one folder.
class Cache {
 public:
  // `dir` is made absolute; it is created on first use.
  explicit Cache(std::filesystem::path dir);

  const std::filesystem::path& dir() const { return dir_; }

  // The complete copy of `hash`, if there is one.
  std::optional<std::filesystem::path> find(std::string_view hash) const;

  // The complete copy of `hash`, made with `fill` when there is none yet. Concurrent calls
  // for one hash fill once; the others call `on_wait`, block until that fill ends, and
  // then use the copy (or, when it failed, try `fill` themselves). A failed fill leaves
  // nothing behind and returns fill's error. Errc::invalid_argument for a bad hash. A waiter
  // with a `stop` asks it every 50 ms and, once it says true, stops waiting with
  // Errc::unavailable (the fill it waited for goes on).
  Result<Copy> get(std::string_view hash, const Fill& fill, const OnWait& on_wait = {}, const Stop& stop = {});

 private:
  Result<Copy> fill_locked(const std::string& hash, const Fill& fill);
  std::filesystem::path dir_;
};

// Removes `path` and everything under it, read-only folders included (their owner's write
// bit is set back first). Nothing when it does not exist.
Result<void> remove_tree(const std::filesystem::path& path);

}  // namespace lab::datasets
