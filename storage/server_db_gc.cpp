// server_db's collection primitives (declared in server_db.h): the rows
// the janitor's retention decisions read and delete, the pending-object
// list that makes object removal crash-safe, clients' sync points, and the
// store's totals. Writes join an open batch (one short transaction per
// slice, opened by the caller).
#include <SQLiteCpp/SQLiteCpp.h>

#include "storage/server_db.h"

namespace syncer {

std::vector<std::string> server_db::version_paths_after(const std::string& cursor, size_t limit) {
  SQLite::Statement q(*db_, "SELECT DISTINCT path FROM versions WHERE path > ? ORDER BY path LIMIT ?");
  q.bind(1, cursor);
  q.bind(2, static_cast<int64_t>(limit));
  std::vector<std::string> out;
  while (q.executeStep()) out.push_back(q.getColumn(0).getString());
  return out;
}

std::vector<version_row> server_db::version_rows(const std::string& path) {
  SQLite::Statement q(*db_,
                      "SELECT id, recorded_ns, deleted, is_dir, sha256, size, sequence FROM versions WHERE path = ? "
                      "ORDER BY sequence, id");
  q.bind(1, path);
  std::vector<version_row> out;
  while (q.executeStep()) {
    version_row r;
    r.id = q.getColumn(0).getInt64();
    r.recorded_ns = q.getColumn(1).getInt64();
    r.deleted = q.getColumn(2).getInt() != 0;
    r.is_dir = q.getColumn(3).getInt() != 0;
    r.sha256 = q.getColumn(4).getString();
    r.size = static_cast<uint64_t>(q.getColumn(5).getInt64());
    r.sequence = static_cast<uint64_t>(q.getColumn(6).getInt64());
    out.push_back(std::move(r));
  }
  return out;
}

void server_db::delete_version_rows(const std::vector<int64_t>& ids) {
  SQLite::Statement q(*db_, "DELETE FROM versions WHERE id = ?");
  for (auto id : ids) {
    q.reset();
    q.bind(1, id);
    q.exec();
  }
}

void server_db::remove_path(const std::string& path) {
  SQLite::Statement f(*db_, "DELETE FROM files WHERE path = ?");
  f.bind(1, path);
  f.exec();
  SQLite::Statement v(*db_, "DELETE FROM versions WHERE path = ?");
  v.bind(1, path);
  v.exec();
}

void server_db::add_gc_pending(const std::string& sha256) {
  SQLite::Statement q(*db_, "INSERT OR IGNORE INTO gc_pending (sha256) VALUES (?)");
  q.bind(1, sha256);
  q.exec();
}

std::vector<std::string> server_db::gc_pending() {
  SQLite::Statement q(*db_, "SELECT sha256 FROM gc_pending ORDER BY sha256");
  std::vector<std::string> out;
  while (q.executeStep()) out.push_back(q.getColumn(0).getString());
  return out;
}

void server_db::clear_gc_pending(const std::string& sha256) {
  SQLite::Statement q(*db_, "DELETE FROM gc_pending WHERE sha256 = ?");
  q.bind(1, sha256);
  q.exec();
}

int64_t server_db::prune_sync_log(int64_t before_ns, size_t limit) {
  SQLite::Statement q(*db_, "DELETE FROM sync_log WHERE id IN (SELECT id FROM sync_log WHERE at_ns < ? ORDER BY id LIMIT ?)");
  q.bind(1, before_ns);
  q.bind(2, static_cast<int64_t>(limit));
  return q.exec();
}

void server_db::record_sync_point(const std::string& client_id, const std::string& hub_id, uint64_t sequence,
                                  int64_t now) {
  // A sync point only moves forward within one hub id (a client that
  // re-sends an older `since` has not forgotten what it applied).
  SQLite::Statement q(*db_,
                      "INSERT INTO client_sync_points (client_id, hub_id, sequence, at_ns) VALUES (?1, ?2, ?3, ?4) "
                      "ON CONFLICT(client_id) DO UPDATE SET sequence = CASE WHEN hub_id = ?2 THEN "
                      "MAX(sequence, ?3) ELSE ?3 END, hub_id = ?2, at_ns = ?4");
  q.bind(1, client_id);
  q.bind(2, hub_id);
  q.bind(3, static_cast<int64_t>(sequence));
  q.bind(4, now);
  q.exec();
}

std::optional<uint64_t> server_db::oldest_sync_point() {
  auto id = hub_id();
  SQLite::Statement q(*db_,
                      "SELECT COUNT(*), MIN(CASE WHEN p.hub_id = ? THEN p.sequence END), "
                      "SUM(CASE WHEN p.hub_id = ? THEN 1 ELSE 0 END) "
                      "FROM clients c LEFT JOIN client_sync_points p ON p.client_id = c.id");
  q.bind(1, id);
  q.bind(2, id);
  if (!q.executeStep()) return std::nullopt;
  auto clients = q.getColumn(0).getInt64();
  auto with_point = q.getColumn(2).isNull() ? 0 : q.getColumn(2).getInt64();
  if (clients == 0 || with_point < clients) return std::nullopt;
  return static_cast<uint64_t>(q.getColumn(1).getInt64());
}

store_totals server_db::totals() {
  store_totals t;
  // Each object once, by its first use: current, then live history, then trash.
  SQLite::Statement q(*db_, R"sql(
WITH cur AS (SELECT DISTINCT sha256, size FROM files WHERE deleted = 0 AND is_dir = 0),
hist AS (SELECT DISTINCT v.sha256, v.size FROM versions v JOIN files f ON f.path = v.path
         WHERE v.deleted = 0 AND v.is_dir = 0 AND f.deleted = 0 AND v.sha256 NOT IN (SELECT sha256 FROM cur)),
trash AS (SELECT DISTINCT v.sha256, v.size FROM versions v LEFT JOIN files f ON f.path = v.path
          WHERE v.deleted = 0 AND v.is_dir = 0 AND (f.deleted IS NULL OR f.deleted = 1)
          AND v.sha256 NOT IN (SELECT sha256 FROM cur) AND v.sha256 NOT IN (SELECT sha256 FROM hist))
SELECT (SELECT IFNULL(SUM(size), 0) FROM cur), (SELECT COUNT(*) FROM cur),
       (SELECT IFNULL(SUM(size), 0) FROM hist), (SELECT COUNT(*) FROM hist),
       (SELECT IFNULL(SUM(size), 0) FROM trash), (SELECT COUNT(*) FROM trash),
       (SELECT COUNT(*) FROM versions), (SELECT COUNT(*) FROM files WHERE deleted = 1),
       (SELECT COUNT(*) FROM sync_log)
)sql");
  if (q.executeStep()) {
    t.current_bytes = q.getColumn(0).getInt64();
    t.current_objects = q.getColumn(1).getInt64();
    t.history_bytes = q.getColumn(2).getInt64();
    t.history_objects = q.getColumn(3).getInt64();
    t.trash_bytes = q.getColumn(4).getInt64();
    t.trash_objects = q.getColumn(5).getInt64();
    t.versions = q.getColumn(6).getInt64();
    t.tombstones = q.getColumn(7).getInt64();
    t.sync_log_rows = q.getColumn(8).getInt64();
  }
  return t;
}

}  // namespace syncer
