// server_db's history queries (declared in server_db.h): versions of a
// path, changes and trash under a folder, the state of a sub-tree at a
// time. Read-only; every list is bounded by its caller's limit except
// state_at/files_under, whose callers restore the sub-tree as one batch.
#include <SQLiteCpp/SQLiteCpp.h>

#include "storage/entry_rows.h"
#include "storage/server_db.h"

namespace syncer {
namespace {

const std::string version_columns = std::string(detail::entry_columns) + ", sequence, recorded_ns";

version_record version_from_row(SQLite::Statement& q) {
  version_record v;
  v.entry = detail::entry_from_row(q);
  v.entry.sequence = static_cast<uint64_t>(q.getColumn(8).getInt64());
  v.recorded_ns = q.getColumn(9).getInt64();
  return v;
}

// "path = ?1 OR path in [?1 '/', ?1 '0')": the folder itself and its
// descendants ('0' follows '/' in byte order), so the path index serves
// it without LIKE's escaping rules. The whole tree for "".
std::string under_clause(const std::string& prefix) {
  return prefix.empty() ? std::string("1") : std::string("(path = ?1 OR (path >= ?2 AND path < ?3))");
}

void bind_under(SQLite::Statement& q, const std::string& prefix) {
  if (prefix.empty()) return;
  q.bind(1, prefix);
  q.bind(2, prefix + "/");
  q.bind(3, prefix + "0");
}

int64_t before_bound(uint64_t before) {
  return before == 0 ? INT64_MAX : static_cast<int64_t>(before);
}

}  // namespace

std::vector<version_record> server_db::versions_of(const std::string& path, uint64_t before, size_t limit) {
  SQLite::Statement q(*db_, "SELECT " + version_columns +
                                " FROM versions WHERE path = ? AND sequence < ? ORDER BY sequence DESC, id DESC LIMIT ?");
  q.bind(1, path);
  q.bind(2, before_bound(before));
  q.bind(3, static_cast<int64_t>(limit));
  std::vector<version_record> out;
  while (q.executeStep()) out.push_back(version_from_row(q));
  return out;
}

std::vector<version_record> server_db::changes_under(const std::string& prefix, uint64_t before, size_t limit) {
  SQLite::Statement q(*db_, "SELECT " + version_columns + " FROM versions WHERE " + under_clause(prefix) +
                                " AND sequence < ?4 ORDER BY sequence DESC, id DESC LIMIT ?5");
  bind_under(q, prefix);
  q.bind(4, before_bound(before));
  q.bind(5, static_cast<int64_t>(limit));
  std::vector<version_record> out;
  while (q.executeStep()) out.push_back(version_from_row(q));
  return out;
}

std::vector<trash_record> server_db::trash_under(const std::string& prefix, const std::string& after_path,
                                                 size_t limit) {
  SQLite::Statement q(*db_, std::string("SELECT ") + detail::entry_columns +
                                ", sequence FROM files WHERE deleted = 1 AND " + under_clause(prefix) +
                                " AND path > ?4 ORDER BY path LIMIT ?5");
  bind_under(q, prefix);
  q.bind(4, after_path);
  q.bind(5, static_cast<int64_t>(limit));
  SQLite::Statement tomb(*db_, "SELECT " + version_columns +
                                   " FROM versions WHERE path = ? AND sequence = ? ORDER BY id DESC LIMIT 1");
  SQLite::Statement live(*db_, "SELECT " + version_columns +
                                   " FROM versions WHERE path = ? AND deleted = 0 AND sequence < ? "
                                   "ORDER BY sequence DESC, id DESC LIMIT 1");
  std::vector<trash_record> out;
  while (q.executeStep()) {
    trash_record t;
    t.deletion.entry = detail::entry_from_row(q);
    t.deletion.entry.sequence = static_cast<uint64_t>(q.getColumn(8).getInt64());
    tomb.reset();
    tomb.bind(1, t.deletion.entry.path);
    tomb.bind(2, static_cast<int64_t>(t.deletion.entry.sequence));
    if (tomb.executeStep()) t.deletion.recorded_ns = tomb.getColumn(9).getInt64();
    live.reset();
    live.bind(1, t.deletion.entry.path);
    live.bind(2, static_cast<int64_t>(t.deletion.entry.sequence));
    if (live.executeStep()) t.last_version = version_from_row(live);
    out.push_back(std::move(t));
  }
  return out;
}

std::optional<version_record> server_db::version_by_sequence(const std::string& path, uint64_t sequence) {
  SQLite::Statement q(*db_, "SELECT " + version_columns +
                                " FROM versions WHERE path = ? AND sequence = ? ORDER BY id DESC LIMIT 1");
  q.bind(1, path);
  q.bind(2, static_cast<int64_t>(sequence));
  if (q.executeStep()) return version_from_row(q);
  return std::nullopt;
}

std::vector<version_record> server_db::state_at(const std::string& prefix, int64_t at_ns) {
  // SQLite's documented bare-column rule: with MAX(id) in an aggregate,
  // the other columns come from the row holding the maximum.
  SQLite::Statement q(*db_, "SELECT " + version_columns + ", MAX(id) FROM versions WHERE " + under_clause(prefix) +
                                " AND recorded_ns <= ?4 GROUP BY path ORDER BY path");
  bind_under(q, prefix);
  q.bind(4, at_ns);
  std::vector<version_record> out;
  while (q.executeStep()) out.push_back(version_from_row(q));
  return out;
}

std::vector<file_entry> server_db::files_under(const std::string& prefix) {
  SQLite::Statement q(*db_, std::string("SELECT ") + detail::entry_columns + ", sequence FROM files WHERE " +
                                under_clause(prefix) + " ORDER BY path");
  bind_under(q, prefix);
  std::vector<file_entry> out;
  while (q.executeStep()) {
    out.push_back(detail::entry_from_row(q));
    out.back().sequence = static_cast<uint64_t>(q.getColumn(8).getInt64());
  }
  return out;
}

bool server_db::object_referenced(const std::string& sha256) {
  SQLite::Statement q(*db_, "SELECT 1 FROM versions WHERE sha256 = ? UNION ALL SELECT 1 FROM files WHERE sha256 = ? LIMIT 1");
  q.bind(1, sha256);
  q.bind(2, sha256);
  return q.executeStep();
}

}  // namespace syncer
