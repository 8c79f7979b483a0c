#include <lab/ledger/db.hpp>

#include <sqlite3.h>

#include <chrono>
#include <map>
#include <mutex>
#include <thread>
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

}  // namespace

// --- Statement ---

Statement::Statement(Statement&& other) noexcept
    : stmt_(std::exchange(other.stmt_, nullptr)), db_(other.db_), pending_(std::move(other.pending_)),
      bind_failed_(other.bind_failed_) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    stmt_ = std::exchange(other.stmt_, nullptr);
    db_ = other.db_;
    pending_ = std::move(other.pending_);
    bind_failed_ = other.bind_failed_;
  }
  return *this;
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

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
    : db_(db), path_(std::move(path)), busy_timeout_(busy_timeout), writers_(writers_of(path_)) {}

Db::~Db() { sqlite3_close_v2(db_); }

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
  if (auto r = exec("BEGIN IMMEDIATE"); !r) return r;
  tx_depth_ = 1;
  Result<void> r;
  try {
    r = body(*this);
  } catch (...) {
    tx_depth_ = 0;
    (void)exec("ROLLBACK");
    throw;
  }
  tx_depth_ = 0;
  if (!r) {
    (void)exec("ROLLBACK");
    return r;
  }
  if (auto c = exec("COMMIT"); !c) {
    (void)exec("ROLLBACK");
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
