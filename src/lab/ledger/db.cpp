#include <lab/ledger/db.hpp>

#include <sqlite3.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>

namespace lab::ledger {
namespace {

Errc errc_of(int rc) {
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return Errc::timeout;
    case SQLITE_CONSTRAINT: return Errc::conflict;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: return Errc::corrupt;
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH: return Errc::permission_denied;
    default: return Errc::io;
  }
}

// One writer lock per database file in this process, kept while a connection uses it.
std::shared_ptr<std::timed_mutex> writers_of(const std::filesystem::path& path) {
  static std::mutex mu;
  static std::map<std::string, std::weak_ptr<std::timed_mutex>> locks;
  std::error_code ec;
  auto key = std::filesystem::weakly_canonical(path, ec);
  std::lock_guard lock(mu);
  auto& slot = locks[(ec ? path : key).string()];
  auto held = slot.lock();
  if (!held) slot = held = std::make_shared<std::timed_mutex>();
  return held;
}

// Prepared statements kept per connection for reuse, so a statement run again (every submit
// runs the same dozen) is compiled once per connection instead of once per use. A `Statement`
// takes its compiled form out of the cache when prepared and puts it back, reset and unbound,
// when destroyed; two live statements with the same SQL simply compile twice. Keyed by the
// `sqlite3*` handle, which SQLite keeps allocated while any statement of it is unfinalized,
// so a statement never returns into another connection's cache. `Db::~Db` finalizes its
// connection's cache before closing.
class StatementCache {
 public:
  // Statements kept per connection; the least recently returned goes first.
  static constexpr std::size_t kPerConnection = 48;

  // A compiled `sql` of `db`, or nullptr.
  sqlite3_stmt* take(sqlite3* db, std::string_view sql) {
    Shard& sh = shard(db);
    std::lock_guard lock(sh.mu);
    auto conn = sh.connections.find(db);
    if (conn == sh.connections.end()) return nullptr;
    auto it = conn->second.by_sql.find(sql);
    if (it == conn->second.by_sql.end()) return nullptr;
    sqlite3_stmt* stmt = it->second->second;
    conn->second.order.erase(it->second);
    conn->second.by_sql.erase(it);
    return stmt;
  }

  // Keeps `stmt` (already reset) for its connection, or finalizes it.
  void give_back(sqlite3_stmt* stmt) {
    sqlite3* db = sqlite3_db_handle(stmt);
    sqlite3_stmt* evicted = nullptr;
    {
      Shard& sh = shard(db);
      std::lock_guard lock(sh.mu);
      auto conn = sh.connections.find(db);
      if (conn == sh.connections.end()) {  // a connection that never enabled caching
        evicted = stmt;
      } else {
        Entries& e = conn->second;
        std::string_view sql = sqlite3_sql(stmt);
        if (e.by_sql.contains(sql)) {
          evicted = stmt;  // the same SQL is already kept
        } else {
          e.order.emplace_front(std::string(sql), stmt);
          e.by_sql.emplace(e.order.front().first, e.order.begin());
          if (e.order.size() > kPerConnection) {
            evicted = e.order.back().second;
            e.by_sql.erase(e.order.back().first);
            e.order.pop_back();
          }
        }
      }
    }
    sqlite3_finalize(evicted);
  }

  // Starts keeping statements of `db`.
  void open(sqlite3* db) {
    Shard& sh = shard(db);
    std::lock_guard lock(sh.mu);
    sh.connections.try_emplace(db);
  }

  // Finalizes and forgets every statement kept for `db`.
  void close(sqlite3* db) {
    Entries gone;
    {
      Shard& sh = shard(db);
      std::lock_guard lock(sh.mu);
      auto conn = sh.connections.find(db);
      if (conn == sh.connections.end()) return;
      gone = std::move(conn->second);
      sh.connections.erase(conn);
    }
    for (auto& [sql, stmt] : gone.order) sqlite3_finalize(stmt);
  }

 private:
  struct Entries {
    std::list<std::pair<std::string, sqlite3_stmt*>> order;  // most recently returned first
    std::unordered_map<std::string_view, std::list<std::pair<std::string, sqlite3_stmt*>>::iterator> by_sql;
  };
  struct Shard {
    std::mutex mu;
    std::unordered_map<sqlite3*, Entries> connections;  // guarded by mu
  };
  Shard& shard(sqlite3* db) { return shards_[std::hash<sqlite3*>{}(db) % shards_.size()]; }

  std::array<Shard, 16> shards_;
};

StatementCache& statement_cache() {
  static auto* cache = new StatementCache;  // never destroyed: statements may return during exit
  return *cache;
}

// Returns `stmt` to its connection's cache, reset and with its bindings cleared.
void release(sqlite3_stmt* stmt) {
  if (!stmt) return;
  sqlite3_reset(stmt);
  sqlite3_clear_bindings(stmt);
  statement_cache().give_back(stmt);
}

// Runs one parameterless statement through the cache (BEGIN, COMMIT, ROLLBACK).
Result<void> run_once(Db& db, std::string_view sql) {
  auto st = db.prepare(sql);
  if (!st) return std::unexpected(st.error());
  return st->run();
}

}  // namespace

// --- Statement ---

Statement::Statement(Statement&& other) noexcept
    : stmt_(std::exchange(other.stmt_, nullptr)), db_(other.db_), pending_(std::move(other.pending_)),
      bind_failed_(other.bind_failed_) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    release(stmt_);
    stmt_ = std::exchange(other.stmt_, nullptr);
    db_ = other.db_;
    pending_ = std::move(other.pending_);
    bind_failed_ = other.bind_failed_;
  }
  return *this;
}

Statement::~Statement() { release(stmt_); }

#define LAB_CHECK_BIND(call)                                                              \
  do {                                                                                    \
    int rc_ = (call);                                                                     \
    if (rc_ != SQLITE_OK && !bind_failed_) {                                              \
      bind_failed_ = true;                                                                \
      pending_ = db_->last_error("binding parameter " + std::to_string(index));          \
    }                                                                                     \
  } while (0)

Statement& Statement::bind(int index, std::int64_t value) {
  LAB_CHECK_BIND(sqlite3_bind_int64(stmt_, index, value));
  return *this;
}
Statement& Statement::bind(int index, double value) {
  LAB_CHECK_BIND(sqlite3_bind_double(stmt_, index, value));
  return *this;
}
Statement& Statement::bind(int index, std::string_view text) {
  LAB_CHECK_BIND(sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
  return *this;
}
Statement& Statement::bind_blob(int index, std::span<const unsigned char> bytes) {
  LAB_CHECK_BIND(sqlite3_bind_blob64(stmt_, index, bytes.data(), bytes.size(), SQLITE_TRANSIENT));
  return *this;
}
Statement& Statement::bind_null(int index) {
  LAB_CHECK_BIND(sqlite3_bind_null(stmt_, index));
  return *this;
}
#undef LAB_CHECK_BIND

Result<bool> Statement::step() {
  if (bind_failed_) return std::unexpected(pending_);
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  Error e = db_->last_error(std::string("running `") + sqlite3_sql(stmt_) + "`");
  sqlite3_reset(stmt_);
  return std::unexpected(std::move(e));
}

Result<void> Statement::run() {
  while (true) {
    auto r = step();
    if (!r) return std::unexpected(r.error());
    if (!*r) return {};
  }
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  bind_failed_ = false;
}

std::int64_t Statement::column_int64(int index) const { return sqlite3_column_int64(stmt_, index); }
double Statement::column_double(int index) const { return sqlite3_column_double(stmt_, index); }
std::string Statement::column_text(int index) const {
  const auto* p = sqlite3_column_text(stmt_, index);
  int n = sqlite3_column_bytes(stmt_, index);
  return p ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n)) : std::string();
}
std::vector<unsigned char> Statement::column_blob(int index) const {
  const auto* p = static_cast<const unsigned char*>(sqlite3_column_blob(stmt_, index));
  int n = sqlite3_column_bytes(stmt_, index);
  return p ? std::vector<unsigned char>(p, p + n) : std::vector<unsigned char>();
}
bool Statement::column_is_null(int index) const { return sqlite3_column_type(stmt_, index) == SQLITE_NULL; }
std::optional<std::int64_t> Statement::column_opt_int64(int index) const {
  if (column_is_null(index)) return std::nullopt;
  return column_int64(index);
}
std::optional<std::string> Statement::column_opt_text(int index) const {
  if (column_is_null(index)) return std::nullopt;
  return column_text(index);
}

// --- Db ---

Result<std::unique_ptr<Db>> Db::open(const std::filesystem::path& path, const OpenOptions& options) {
  sqlite3* raw = nullptr;
  int flags = options.read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  flags |= SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc);
    sqlite3_close(raw);
    return fail(errc_of(rc), "cannot open the ledger " + path.string() + ": " + msg);
  }
  std::unique_ptr<Db> db(new Db(raw, path, options.busy_timeout));
  sqlite3_busy_timeout(raw, static_cast<int>(options.busy_timeout.count()));
  sqlite3_extended_result_codes(raw, 1);
  std::string pragmas = "PRAGMA foreign_keys=ON;";
  if (!options.read_only) {
    pragmas += "PRAGMA journal_mode=WAL;";
    pragmas += options.synchronous_full ? "PRAGMA synchronous=FULL;" : "PRAGMA synchronous=NORMAL;";
  }
  // Switching a fresh file to WAL needs a moment of exclusive access, and SQLite answers
  // "busy" there without waiting on the busy handler while another connection opens the same
  // file: retry within the busy timeout.
  const auto deadline = std::chrono::steady_clock::now() + options.busy_timeout;
  for (;;) {
    auto r = db->exec(pragmas);
    if (r) break;
    if (r.error().code != Errc::timeout || std::chrono::steady_clock::now() >= deadline)
      return fail_with_context(r.error(), "setting up the ledger " + path.string());
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return db;
}

Db::Db(sqlite3* db, std::filesystem::path path, std::chrono::milliseconds busy_timeout)
    : db_(db), path_(std::move(path)), busy_timeout_(busy_timeout), writers_(writers_of(path_)) {
  statement_cache().open(db_);
}

Db::~Db() {
  statement_cache().close(db_);
  sqlite3_close_v2(db_);
}

Result<void> Db::exec(std::string_view sql) {
  std::string s(sql);
  char* err = nullptr;
  int rc = sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    return fail(errc_of(sqlite3_extended_errcode(db_)), "ledger " + path_.string() + ": " + msg);
  }
  return {};
}

Result<Statement> Db::prepare(std::string_view sql) {
  if (sqlite3_stmt* kept = statement_cache().take(db_, sql)) return Statement(kept, this);
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return std::unexpected(last_error("preparing `" + std::string(sql) + "`"));
  return Statement(stmt, this);
}

Result<void> Db::transaction(const std::function<Result<void>(Db&)>& body) {
  if (tx_depth_ > 0) {  // join the outer transaction
    ++tx_depth_;
    Result<void> r;
    try {
      r = body(*this);
    } catch (...) {
      --tx_depth_;
      throw;
    }
    --tx_depth_;
    return r;
  }
  std::unique_lock writer(*writers_, std::defer_lock);
  if (!writer.try_lock_for(busy_timeout_))
    return fail(Errc::timeout, "ledger " + path_.string() + ": another writer in this process held it for over " +
                                   std::to_string(busy_timeout_.count()) + " ms");
  if (auto r = run_once(*this, "BEGIN IMMEDIATE"); !r) return r;
  tx_depth_ = 1;
  Result<void> r;
  try {
    r = body(*this);
  } catch (...) {
    tx_depth_ = 0;
    (void)run_once(*this, "ROLLBACK");
    throw;
  }
  tx_depth_ = 0;
  if (!r) {
    (void)run_once(*this, "ROLLBACK");
    return r;
  }
  if (auto c = run_once(*this, "COMMIT"); !c) {
    (void)run_once(*this, "ROLLBACK");
    return c;
  }
  return {};
}

std::int64_t Db::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
int Db::changes() const { return sqlite3_changes(db_); }

Error Db::last_error(std::string_view what) const {
  return Error{errc_of(sqlite3_extended_errcode(db_)),
               "ledger " + path_.string() + ": " + std::string(what) + ": " + sqlite3_errmsg(db_)};
}

}  // namespace lab::ledger
