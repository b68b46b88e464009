#include "storage/server_db.h"

#include <SQLiteCpp/Transaction.h>

#include <optional>

#include <random>

#include <SQLiteCpp/SQLiteCpp.h>

#include "storage/entry_rows.h"
#include "storage/file_times.h"
#include "storage/sqlite_file.h"

namespace syncer {
namespace {

using detail::bind_entry;
using detail::entry_from_row;

const char* schema = R"sql(
CREATE TABLE IF NOT EXISTS clients (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, created_ns INTEGER NOT NULL, last_seen_ns INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS files (
  path TEXT PRIMARY KEY, sha256 TEXT NOT NULL, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL,
  version TEXT NOT NULL, deleted INTEGER NOT NULL, is_dir INTEGER NOT NULL, origin TEXT NOT NULL,
  sequence INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS files_by_sequence ON files(sequence);
CREATE TABLE IF NOT EXISTS versions (
  id INTEGER PRIMARY KEY AUTOINCREMENT, path TEXT NOT NULL, sha256 TEXT NOT NULL, size INTEGER NOT NULL,
  mtime_ns INTEGER NOT NULL, version TEXT NOT NULL, deleted INTEGER NOT NULL, is_dir INTEGER NOT NULL,
  origin TEXT NOT NULL, sequence INTEGER NOT NULL, recorded_ns INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS versions_by_path ON versions(path);
CREATE INDEX IF NOT EXISTS versions_by_sha ON versions(sha256);
CREATE INDEX IF NOT EXISTS versions_by_sequence ON versions(sequence);
CREATE INDEX IF NOT EXISTS files_by_sha ON files(sha256);
CREATE TABLE IF NOT EXISTS conflicts (
  id INTEGER PRIMARY KEY AUTOINCREMENT, path TEXT NOT NULL, copy_path TEXT NOT NULL,
  winner_origin TEXT NOT NULL, loser_origin TEXT NOT NULL, detected_ns INTEGER NOT NULL, open INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS sync_log (
  id INTEGER PRIMARY KEY AUTOINCREMENT, at_ns INTEGER NOT NULL, client_id TEXT NOT NULL, action TEXT NOT NULL,
  path TEXT NOT NULL, detail TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS client_sync_points (
  client_id TEXT PRIMARY KEY, hub_id TEXT NOT NULL, sequence INTEGER NOT NULL, at_ns INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS gc_pending (sha256 TEXT PRIMARY KEY);
CREATE INDEX IF NOT EXISTS sync_log_by_time ON sync_log(at_ns);
)sql";

std::string random_client_id() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static const char* hex = "0123456789abcdef";
  std::string id(12, '0');
  for (auto& c : id) c = hex[rng() % 16];
  return id;
}

client_record client_from_row(SQLite::Statement& q) {
  return client_record{q.getColumn(0).getString(), q.getColumn(1).getString(), q.getColumn(2).getInt64(),
                       q.getColumn(3).getInt64()};
}


}  // namespace

server_db::server_db(std::unique_ptr<SQLite::Database> db) : db_(std::move(db)) {}
server_db::~server_db() = default;

std::unique_ptr<server_db> server_db::open(const std::string& file, std::string* error) {
  auto db = detail::open_wal_database(file, schema, "database", 16384, error);
  if (!db) return nullptr;
  try {
    // Migration (issue 13): client names were unique; two devices may now
    // share a name, so a clients table from before loses the constraint
    // (SQLite cannot drop one: the table is rebuilt in one transaction).
    std::string clients_sql;
    {  // finished before the table is dropped (an open statement locks it)
      SQLite::Statement q(*db, "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'clients'");
      if (q.executeStep()) clients_sql = q.getColumn(0).getString();
    }
    if (clients_sql.find("UNIQUE") != std::string::npos) {
      SQLite::Transaction t(*db);
      db->exec("CREATE TABLE clients_v2 (id TEXT PRIMARY KEY, name TEXT NOT NULL, created_ns INTEGER NOT NULL, "
               "last_seen_ns INTEGER NOT NULL); INSERT INTO clients_v2 SELECT id, name, created_ns, last_seen_ns "
               "FROM clients; DROP TABLE clients; ALTER TABLE clients_v2 RENAME TO clients;");
      t.commit();
    }
    db->exec("CREATE INDEX IF NOT EXISTS clients_by_name ON clients(name)");
  } catch (const std::exception& e) {
    *error = "cannot migrate the clients table of " + file + ": " + e.what();
    return nullptr;
  }
  return std::unique_ptr<server_db>(new server_db(std::move(db)));
}

namespace {
void insert_client(SQLite::Database& db, const client_record& r) {
  SQLite::Statement insert(db, "INSERT INTO clients (id, name, created_ns, last_seen_ns) VALUES (?, ?, ?, ?)");
  insert.bind(1, r.id);
  insert.bind(2, r.name);
  insert.bind(3, r.created_ns);
  insert.bind(4, r.last_seen_ns);
  insert.exec();
}
}  // namespace

client_record server_db::register_client(const std::string& name, int64_t now) {
  SQLite::Statement find(*db_, "SELECT id, name, created_ns, last_seen_ns FROM clients WHERE name = ?");
  find.bind(1, name);
  if (find.executeStep()) return client_from_row(find);
  client_record r{random_client_id(), name, now, now};
  insert_client(*db_, r);
  return r;
}

client_record server_db::register_device_client(const std::string& id, const std::string& name, int64_t now) {
  if (auto known = find_client(id)) {
    if (known->name != name) {
      SQLite::Statement rename(*db_, "UPDATE clients SET name = ? WHERE id = ?");
      rename.bind(1, name);
      rename.bind(2, id);
      rename.exec();
      known->name = name;
    }
    return *known;
  }
  client_record r{id, name, now, now};
  insert_client(*db_, r);
  return r;
}

std::optional<client_record> server_db::find_client(const std::string& id) {
  SQLite::Statement q(*db_, "SELECT id, name, created_ns, last_seen_ns FROM clients WHERE id = ?");
  q.bind(1, id);
  if (q.executeStep()) return client_from_row(q);
  return std::nullopt;
}

std::vector<client_record> server_db::list_clients() {
  SQLite::Statement q(*db_, "SELECT id, name, created_ns, last_seen_ns FROM clients ORDER BY name");
  std::vector<client_record> out;
  while (q.executeStep()) out.push_back(client_from_row(q));
  return out;
}

void server_db::touch_client(const std::string& id, int64_t now) {
  SQLite::Statement q(*db_, "UPDATE clients SET last_seen_ns = ? WHERE id = ?");
  q.bind(1, now);
  q.bind(2, id);
  q.exec();
}

namespace {
// The statement in `slot`, prepared on first use, reset for a new run.
SQLite::Statement& prepared(SQLite::Database& db, std::unique_ptr<SQLite::Statement>& slot, const std::string& sql) {
  if (!slot) slot = std::make_unique<SQLite::Statement>(db, sql);
  slot->reset();
  return *slot;
}
}  // namespace

std::optional<file_entry> server_db::get_file(const std::string& path) {
  auto& q = prepared(*db_, get_file_, std::string("SELECT ") + detail::entry_columns + ", sequence FROM files WHERE path = ?");
  q.bind(1, path);
  if (!q.executeStep()) {
    q.reset();
    return std::nullopt;
  }
  auto e = entry_from_row(q);
  e.sequence = static_cast<uint64_t>(q.getColumn(8).getInt64());
  q.reset();
  return e;
}

std::vector<file_entry> server_db::list_files(bool include_deleted) {
  std::string sql = std::string("SELECT ") + detail::entry_columns + ", sequence FROM files";
  if (!include_deleted) sql += " WHERE deleted = 0";
  sql += " ORDER BY path";
  SQLite::Statement q(*db_, sql);
  std::vector<file_entry> out;
  while (q.executeStep()) {
    out.push_back(entry_from_row(q));
    out.back().sequence = static_cast<uint64_t>(q.getColumn(8).getInt64());
  }
  return out;
}

std::vector<file_entry> server_db::changes_since(uint64_t after) {
  SQLite::Statement q(*db_, std::string("SELECT ") + detail::entry_columns +
                                ", sequence FROM files WHERE sequence > ? ORDER BY sequence");
  q.bind(1, static_cast<int64_t>(after));
  std::vector<file_entry> out;
  while (q.executeStep()) {
    out.push_back(entry_from_row(q));
    out.back().sequence = static_cast<uint64_t>(q.getColumn(8).getInt64());
  }
  return out;
}

void server_db::begin_batch() {
  db_->exec("BEGIN");
  in_batch_ = true;
}

void server_db::commit_batch() {
  in_batch_ = false;
  db_->exec("COMMIT");
}

void server_db::rollback_batch() {
  if (!in_batch_) return;
  in_batch_ = false;
  db_->exec("ROLLBACK");
}

void server_db::put_files(std::vector<file_entry>& entries, int64_t recorded_ns) {
  std::optional<SQLite::Transaction> tx;
  if (!in_batch_) tx.emplace(*db_);
  uint64_t seq = last_sequence();
  auto& upsert = prepared(*db_, upsert_, std::string("INSERT OR REPLACE INTO files (") + detail::entry_columns +
                                             ", sequence) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
  auto& history = prepared(*db_, history_, std::string("INSERT INTO versions (") + detail::entry_columns +
                                              ", sequence, recorded_ns) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  auto now = recorded_ns > 0 ? recorded_ns : now_ns();
  for (auto& e : entries) {
    e.sequence = ++seq;
    bind_entry(upsert, e);
    upsert.bind(9, static_cast<int64_t>(e.sequence));
    upsert.exec();
    upsert.reset();
    bind_entry(history, e);
    history.bind(9, static_cast<int64_t>(e.sequence));
    history.bind(10, now);
    history.exec();
    history.reset();
  }
  // Statements prepared once: a batch records every file with its own
  // put_files, and preparing cost as much as the inserts.
  auto& meta = prepared(*db_, set_sequence_, "INSERT OR REPLACE INTO meta (key, value) VALUES ('last_sequence', ?)");
  meta.bind(1, std::to_string(seq));
  meta.exec();
  meta.reset();
  if (tx) tx->commit();
}

int64_t server_db::add_conflict(const conflict_record& r) {
  SQLite::Statement q(*db_,
                      "INSERT INTO conflicts (path, copy_path, winner_origin, loser_origin, detected_ns, open) "
                      "VALUES (?, ?, ?, ?, ?, ?)");
  q.bind(1, r.path);
  q.bind(2, r.copy_path);
  q.bind(3, r.winner_origin);
  q.bind(4, r.loser_origin);
  q.bind(5, r.detected_ns);
  q.bind(6, r.open ? 1 : 0);
  q.exec();
  return db_->getLastInsertRowid();
}

std::vector<conflict_record> server_db::list_conflicts(bool open_only) {
  std::string sql = "SELECT id, path, copy_path, winner_origin, loser_origin, detected_ns, open FROM conflicts";
  if (open_only) sql += " WHERE open = 1";
  sql += " ORDER BY id";
  SQLite::Statement q(*db_, sql);
  std::vector<conflict_record> out;
  while (q.executeStep())
    out.push_back(conflict_record{q.getColumn(0).getInt64(), q.getColumn(1).getString(), q.getColumn(2).getString(),
                                  q.getColumn(3).getString(), q.getColumn(4).getString(), q.getColumn(5).getInt64(),
                                  q.getColumn(6).getInt() != 0});
  return out;
}

void server_db::close_conflicts_for_copy(const std::string& copy_path) {
  SQLite::Statement q(*db_, "UPDATE conflicts SET open = 0 WHERE copy_path = ?");
  q.bind(1, copy_path);
  q.exec();
}

std::string server_db::hub_id() {
  SQLite::Statement q(*db_, "SELECT value FROM meta WHERE key = 'hub_id'");
  if (q.executeStep()) return q.getColumn(0).getString();
  std::string id = random_client_id() + random_client_id();
  SQLite::Statement insert(*db_, "INSERT INTO meta (key, value) VALUES ('hub_id', ?)");
  insert.bind(1, id);
  insert.exec();
  return id;
}

std::string server_db::new_hub_id() {
  std::string id = random_client_id() + random_client_id();
  SQLite::Statement q(*db_, "INSERT OR REPLACE INTO meta (key, value) VALUES ('hub_id', ?)");
  q.bind(1, id);
  q.exec();
  return id;
}

uint64_t server_db::last_sequence() {
  auto& q = prepared(*db_, last_sequence_, "SELECT value FROM meta WHERE key = 'last_sequence'");
  uint64_t seq = q.executeStep() ? std::stoull(q.getColumn(0).getString()) : 0;
  q.reset();
  return seq;
}

size_t server_db::file_count(bool include_deleted) {
  SQLite::Statement q(*db_, include_deleted ? "SELECT COUNT(*) FROM files" : "SELECT COUNT(*) FROM files WHERE deleted = 0");
  q.executeStep();
  return static_cast<size_t>(q.getColumn(0).getInt64());
}

void server_db::log_event(int64_t now, const std::string& client_id, const std::string& action,
                          const std::string& path, const std::string& detail) {
  auto& q = prepared(*db_, log_, "INSERT INTO sync_log (at_ns, client_id, action, path, detail) VALUES (?, ?, ?, ?, ?)");
  q.bind(1, now);
  q.bind(2, client_id);
  q.bind(3, action);
  q.bind(4, path);
  q.bind(5, detail);
  q.exec();
  q.reset();
}

}  // namespace syncer
