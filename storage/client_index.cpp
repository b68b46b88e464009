#include "storage/client_index.h"

#include <optional>


#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include "storage/entry_rows.h"
#include "storage/sqlite_file.h"

namespace syncer {
namespace {

const char* schema = R"sql(
CREATE TABLE IF NOT EXISTS entries (
  path TEXT PRIMARY KEY, sha256 TEXT NOT NULL, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL,
  version TEXT NOT NULL, deleted INTEGER NOT NULL, is_dir INTEGER NOT NULL, origin TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS held_deletions (path TEXT PRIMARY KEY, since_ns INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS problems (
  path TEXT PRIMARY KEY, reason TEXT NOT NULL, since_ns INTEGER NOT NULL, attempts INTEGER NOT NULL);
)sql";

}  // namespace

client_index::client_index(std::unique_ptr<SQLite::Database> db) : db_(std::move(db)) {}
client_index::~client_index() = default;

std::unique_ptr<client_index> client_index::open(const std::string& file, std::string* error) {
  auto db = detail::open_wal_database(file, schema, "index", 2048, error);
  if (!db) return nullptr;
  try {
    // Indexes made before local sequence numbers existed get the column.
    bool has_local_seq = false;
    SQLite::Statement columns(*db, "PRAGMA table_info(entries)");
    while (columns.executeStep())
      if (columns.getColumn(1).getString() == "local_seq") has_local_seq = true;
    if (!has_local_seq) db->exec("ALTER TABLE entries ADD COLUMN local_seq INTEGER NOT NULL DEFAULT 0");
    db->exec("CREATE INDEX IF NOT EXISTS entries_by_local_seq ON entries (local_seq)");
  } catch (const std::exception& e) {
    if (error) *error = "cannot upgrade index " + file + ": " + e.what();
    return nullptr;
  }
  auto index = std::unique_ptr<client_index>(new client_index(std::move(db)));
  SQLite::Statement last(*index->db_, "SELECT COALESCE(MAX(local_seq), 0) FROM entries");
  last.executeStep();
  index->last_local_seq_ = last.getColumn(0).getInt64();
  return index;
}

std::unique_ptr<client_index> client_index::open_read_only(const std::string& file, std::string* error) {
  try {
    auto db = std::make_unique<SQLite::Database>(file, SQLite::OPEN_READONLY, 5000);
    return std::unique_ptr<client_index>(new client_index(std::move(db)));
  } catch (const std::exception& e) {
    if (error) *error = "cannot open index " + file + ": " + e.what();
    return nullptr;
  }
}

std::optional<file_entry> client_index::get(const std::string& path) {
  if (!get_)
    get_ = std::make_unique<SQLite::Statement>(*db_, std::string("SELECT ") + detail::entry_columns +
                                                          " FROM entries WHERE path = ?");
  auto& q = *get_;
  q.reset();
  q.bind(1, path);
  if (!q.executeStep()) {
    q.reset();
    return std::nullopt;
  }
  auto e = detail::entry_from_row(q);
  q.reset();
  return e;
}

std::vector<file_entry> client_index::all() {
  SQLite::Statement q(*db_, std::string("SELECT ") + detail::entry_columns + " FROM entries ORDER BY path");
  std::vector<file_entry> out;
  while (q.executeStep()) out.push_back(detail::entry_from_row(q));
  return out;
}

namespace {

// Errors that mean "no room to write" (a full disk or quota): the write is
// dropped and reported, the caller goes on. Anything else is thrown.
bool out_of_space(const SQLite::Exception& e) {
  int code = e.getErrorCode();
  return code == SQLITE_FULL || (code == SQLITE_IOERR && (e.getExtendedErrorCode() == SQLITE_IOERR_WRITE ||
                                                          e.getExtendedErrorCode() == SQLITE_IOERR_FSYNC));
}

}  // namespace

template <class F>
void client_index::guarded_write(F&& write) {
  try {
    write();
  } catch (const SQLite::Exception& e) {
    if (!out_of_space(e)) throw;
    write_failure_ = std::string("the index could not be written: ") + e.what();
    if (batch_depth_ > 0) {  // the whole batch is gone: roll it back and start clean
      batch_depth_ = 0;
      try {
        db_->exec("ROLLBACK");
      } catch (const std::exception&) {
      }
    }
  }
}

std::optional<std::string> client_index::take_write_failure() {
  auto out = std::move(write_failure_);
  write_failure_.reset();
  return out;
}

void client_index::begin_batch() {
  if (batch_depth_++ == 0) guarded_write([&] { db_->exec("BEGIN"); });
}

void client_index::end_batch() {
  if (batch_depth_ > 0 && --batch_depth_ == 0) guarded_write([&] { db_->exec("COMMIT"); });
}

void client_index::put(const std::vector<file_entry>& entries) {
  guarded_write([&] { put_rows(entries); });
}

void client_index::put_rows(const std::vector<file_entry>& entries) {
  std::optional<SQLite::Transaction> tx;
  if (batch_depth_ == 0) tx.emplace(*db_);
  if (!put_)
    put_ = std::make_unique<SQLite::Statement>(*db_, std::string("INSERT OR REPLACE INTO entries (") +
                                                          detail::entry_columns +
                                                          ", local_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
  auto& q = *put_;
  q.reset();
  for (const auto& e : entries) {
    detail::bind_entry(q, e);
    q.bind(9, ++last_local_seq_);
    q.exec();
    q.reset();
  }
  if (tx) tx->commit();
}

void client_index::put(const file_entry& entry) { put(std::vector<file_entry>{entry}); }

void client_index::erase(const std::string& path) {
  guarded_write([&] {
    SQLite::Statement q(*db_, "DELETE FROM entries WHERE path = ?");
    q.bind(1, path);
    q.exec();
  });
}

std::optional<std::string> client_index::get_meta(const std::string& key) {
  SQLite::Statement q(*db_, "SELECT value FROM meta WHERE key = ?");
  q.bind(1, key);
  if (!q.executeStep()) return std::nullopt;
  return q.getColumn(0).getString();
}

void client_index::set_meta(const std::string& key, const std::string& value) {
  guarded_write([&] {
    SQLite::Statement q(*db_, "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)");
    q.bind(1, key);
    q.bind(2, value);
    q.exec();
  });
}

std::unordered_map<std::string, client_index::disk_view> client_index::live_disk_views() {
  std::unordered_map<std::string, disk_view> out;
  out.reserve(count(false));  // no rehashing while 25,000 rows go in
  SQLite::Statement q(*db_, "SELECT path, size, mtime_ns, is_dir FROM entries WHERE deleted = 0");
  while (q.executeStep()) {
    disk_view v;
    v.size = static_cast<uint64_t>(q.getColumn(1).getInt64());
    v.mtime_ns = q.getColumn(2).getInt64();
    v.is_dir = q.getColumn(3).getInt() != 0;
    out.emplace(q.getColumn(0).getString(), v);
  }
  return out;
}

std::vector<file_entry> client_index::changed_since(int64_t local_seq) {
  SQLite::Statement q(*db_, std::string("SELECT ") + detail::entry_columns +
                                " FROM entries WHERE local_seq > ? ORDER BY path");
  q.bind(1, local_seq);
  std::vector<file_entry> out;
  while (q.executeStep()) out.push_back(detail::entry_from_row(q));
  return out;
}

size_t client_index::count(bool include_deleted) {
  SQLite::Statement q(*db_, include_deleted ? "SELECT COUNT(*) FROM entries"
                                            : "SELECT COUNT(*) FROM entries WHERE deleted = 0");
  q.executeStep();
  return static_cast<size_t>(q.getColumn(0).getInt64());
}

}  // namespace syncer

namespace syncer {

void client_index::put_problem(const local_problem& p) {
  guarded_write([&] {
    SQLite::Statement q(*db_, "INSERT OR REPLACE INTO problems (path, reason, since_ns, attempts) VALUES (?, ?, ?, ?)");
    q.bind(1, p.path);
    q.bind(2, p.reason);
    q.bind(3, static_cast<int64_t>(p.since_ns));
    q.bind(4, p.attempts);
    q.exec();
  });
}

void client_index::erase_problem(const std::string& path) {
  guarded_write([&] {
    SQLite::Statement q(*db_, "DELETE FROM problems WHERE path = ?");
    q.bind(1, path);
    q.exec();
  });
}

std::vector<local_problem> client_index::problems() {
  std::vector<local_problem> out;
  try {
    SQLite::Statement q(*db_, "SELECT path, reason, since_ns, attempts FROM problems ORDER BY path");
    while (q.executeStep())
      out.push_back({q.getColumn(0).getString(), q.getColumn(1).getString(), q.getColumn(2).getInt64(),
                     q.getColumn(3).getInt()});
  } catch (const std::exception&) {
    // An index made before problems were recorded (read-only open): none.
  }
  return out;
}

}  // namespace syncer

namespace syncer {

void client_index::hold_deletion(const std::string& path, int64_t since_ns) {
  guarded_write([&] {
    SQLite::Statement q(*db_, "INSERT OR IGNORE INTO held_deletions (path, since_ns) VALUES (?, ?)");
    q.bind(1, path);
    q.bind(2, static_cast<int64_t>(since_ns));
    q.exec();
  });
}

std::vector<std::pair<std::string, int64_t>> client_index::held_deletions() {
  std::vector<std::pair<std::string, int64_t>> out;
  try {
    SQLite::Statement q(*db_, "SELECT path, since_ns FROM held_deletions ORDER BY path");
    while (q.executeStep()) out.emplace_back(q.getColumn(0).getString(), q.getColumn(1).getInt64());
  } catch (const std::exception&) {
    // An index made before the guard existed (read-only open): none.
  }
  return out;
}

void client_index::clear_held_deletions() {
  guarded_write([&] { db_->exec("DELETE FROM held_deletions"); });
}

}  // namespace syncer
