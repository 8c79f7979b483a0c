// A thin, safe layer over one SQLite connection: open in WAL mode with a busy timeout,
// prepared statements with typed binds, IMMEDIATE transactions, numbered migrations.
//
// Threading: a `Db` is one connection and is NOT thread-safe; give each thread its own `Db`
// on the same file (SQLite serialises writers; readers proceed under WAL), or guard it.
#pragma once

#include <lab/result.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace lab::ledger {

class Db;

// A prepared statement. Binds are 1-based, as in SQLite. Owned by the caller; must not
// outlive the `Db` that prepared it.
class Statement {
 public:
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, int value) { return bind(index, static_cast<std::int64_t>(value)); }
  Statement& bind(int index, double value);
  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, const char* text) { return bind(index, std::string_view(text)); }
  Statement& bind(int index, const std::string& text) { return bind(index, std::string_view(text)); }
  Statement& bind_blob(int index, std::span<const unsigned char> bytes);
  Statement& bind_null(int index);
  template <class T>
  Statement& bind(int index, const std::optional<T>& value) {
    return value ? bind(index, *value) : bind_null(index);
  }

  // Binds every argument in order, starting at parameter 1.
  template <class... Ts>
  Statement& bind_all(const Ts&... values) {
    int i = 0;
    (bind(++i, values), ...);
    return *this;
  }

  // Advances one row. true = a row is available through column_*; false = done.
  // Errors carry SQLite's message and the statement's SQL.
  Result<bool> step();
  // Steps until done, for statements that return no rows.
  Result<void> run();
  // Makes the statement reusable with new binds.
  void reset();

  std::int64_t column_int64(int index) const;
  double column_double(int index) const;
  std::string column_text(int index) const;
  std::vector<unsigned char> column_blob(int index) const;
  bool column_is_null(int index) const;
  std::optional<std::int64_t> column_opt_int64(int index) const;
  std::optional<std::string> column_opt_text(int index) const;

 private:
  friend class Db;
  Statement(sqlite3_stmt* stmt, Db* db) : stmt_(stmt), db_(db) {}
  sqlite3_stmt* stmt_ = nullptr;
  Db* db_ = nullptr;
  Error pending_;  // first bind error, reported by step()
  bool bind_failed_ = false;
};

struct OpenOptions {
  // How long a writer waits for another connection's lock before failing with Errc::timeout.
  std::chrono::milliseconds busy_timeout{5000};
  // FULL fsyncs the WAL at every commit (survives power loss); NORMAL only at checkpoints
  // (survives a crash or kill -9 of the process, which is what lab promises).
  bool synchronous_full = false;
  bool read_only = false;
};

class Db {
 public:
  // Opens (creating if needed, unless read_only) the database at `path`, in WAL mode with
  // foreign keys on. Fails with Errc::io and a message naming the file.
  static Result<std::unique_ptr<Db>> open(const std::filesystem::path& path, const OpenOptions& options = {});
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  // Runs one or more statements that take no parameters.
  Result<void> exec(std::string_view sql);
  Result<Statement> prepare(std::string_view sql);

  // Runs `body` inside BEGIN IMMEDIATE ... COMMIT. If `body` fails (or throws), the
  // transaction is rolled back and its error returned. Nested calls join the outer
  // transaction (savepoints are not used: the outer call decides).
  // Writers of one file within this process queue on a shared lock before BEGIN, so the
  // next one starts the moment the last commits instead of polling SQLite's busy handler;
  // waiting longer than the busy timeout fails with Errc::timeout, as SQLite would.
  Result<void> transaction(const std::function<Result<void>(Db&)>& body);

  std::int64_t last_insert_rowid() const;
  // Rows changed by the most recent INSERT/UPDATE/DELETE.
  int changes() const;
  const std::filesystem::path& path() const { return path_; }
  sqlite3* handle() { return db_; }

  // An Error for the connection's latest failure, prefixed with `what`.
  Error last_error(std::string_view what) const;

 private:
  Db(sqlite3* db, std::filesystem::path path, std::chrono::milliseconds busy_timeout);
  sqlite3* db_;
  std::filesystem::path path_;
  std::chrono::milliseconds busy_timeout_;
  std::shared_ptr<std::timed_mutex> writers_;  // shared by this process's connections to path_
  int tx_depth_ = 0;
};

// One numbered schema change. Versions of a component start at 1 and increase by 1.
struct Migration {
  int version;
  std::string_view sql;
};

// Brings `component`'s tables up to the last of `migrations`, each step in its own
// transaction, recording versions in the table `schema_versions(component, version)`.
// Several components (e.g. "ledger", "transport") can share one database file.
// Each step's version is re-read under the write lock, so processes migrating one file at
// the same moment apply every step exactly once.
// Fails with Errc::conflict if the file holds a newer version than this binary knows
// (an older binary must not touch a newer schema).
Result<void> migrate(Db& db, std::string_view component, std::span<const Migration> migrations);

// The version of `component` recorded in the file (0 if none).
Result<int> schema_version(Db& db, std::string_view component);

}  // namespace lab::ledger
