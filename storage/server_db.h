// The hub's metadata in SQLite (WAL): clients, current files, every
// version of every file, conflicts, and a sync log. Knows nothing of
// actors or the network. Not thread-safe: one owner (the metadata actor).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actors/rules/file_entry.h"
#include "actors/rules/history_records.h"  // version_record, trash_record, store_totals
#include "actors/rules/hub_records.h"  // client_record, conflict_record

namespace SQLite {
class Database;
class Statement;
}  // namespace SQLite

namespace syncer {

// One row of `versions` as the janitor sees it.
struct version_row {
  int64_t id = 0;
  int64_t recorded_ns = 0;
  bool deleted = false;
  bool is_dir = false;
  std::string sha256;
  uint64_t size = 0;
  uint64_t sequence = 0;
};

class server_db {
 public:
  // Opens or creates the database file, enables WAL, creates the schema.
  // nullptr + `error` on failure.
  static std::unique_ptr<server_db> open(const std::string& file, std::string* error);
  ~server_db();

  // Returns the existing record when `name` is already registered.
  client_record register_client(const std::string& name, int64_t now_ns);
  // A device's client (TLS, §9): the id comes from its certificate, so two
  // devices with one name are two clients; a new name renames it.
  client_record register_device_client(const std::string& id, const std::string& name, int64_t now_ns);
  std::optional<client_record> find_client(const std::string& id);
  std::vector<client_record> list_clients();
  void touch_client(const std::string& id, int64_t now_ns);

  std::optional<file_entry> get_file(const std::string& path);
  std::vector<file_entry> list_files(bool include_deleted);
  // Entries whose sequence is greater than `after_sequence`, ordered.
  std::vector<file_entry> changes_since(uint64_t after_sequence);

  // Stores `entries` as the new current state of their paths and appends
  // each to the version history, in ONE transaction. Assigns increasing
  // sequence numbers (written back into `entries`). `recorded_ns` is the
  // versions' recording time (0 = now; tests inject a clock).
  void put_files(std::vector<file_entry>& entries, int64_t recorded_ns = 0);

  // ---- history (server_db_history.cpp). `prefix` names a folder: ""
  // is the whole tree, "a/b" means a/b itself and everything beneath it.
  // Lists are newest first and paged: `before_sequence` 0 = from the
  // newest, else only versions with a smaller sequence; at most `limit`.
  std::vector<version_record> versions_of(const std::string& path, uint64_t before_sequence, size_t limit);
  std::vector<version_record> changes_under(const std::string& prefix, uint64_t before_sequence, size_t limit);
  // Current tombstones under `prefix` (by path, after `after_path`), with
  // the newest live version before each deletion.
  std::vector<trash_record> trash_under(const std::string& prefix, const std::string& after_path, size_t limit);
  // One version by its sequence number.
  std::optional<version_record> version_by_sequence(const std::string& path, uint64_t sequence);
  // The state of every path under `prefix` as it was at `at_ns` (hub
  // clock): for each path, its newest version recorded at or before then
  // (tombstones included), ordered by path.
  std::vector<version_record> state_at(const std::string& prefix, int64_t at_ns);
  // Current entries (tombstones included) under `prefix`, ordered by path.
  std::vector<file_entry> files_under(const std::string& prefix);
  // True when some version or current file still references the object.
  bool object_referenced(const std::string& sha256);

  // ---- collection (server_db_gc.cpp), for the janitor's slices. Each
  // write joins the caller's batch (begin_batch) when one is open.
  // Distinct paths that have versions, after `cursor`, by path.
  std::vector<std::string> version_paths_after(const std::string& cursor, size_t limit);
  // Every version row of one path, oldest first.
  std::vector<version_row> version_rows(const std::string& path);
  void delete_version_rows(const std::vector<int64_t>& ids);
  // Removes a tombstone: its files row and every version row of the path.
  void remove_path(const std::string& path);
  // Objects whose deletion was decided (crash-safe: recorded in the same
  // transaction as the decision, removed once the object file is gone).
  void add_gc_pending(const std::string& sha256);
  std::vector<std::string> gc_pending();
  void clear_gc_pending(const std::string& sha256);
  // Deletes up to `limit` sync-log rows older than `before_ns`; how many.
  int64_t prune_sync_log(int64_t before_ns, size_t limit);
  // A client's sync point: it has applied every change up to `sequence`
  // of hub id `hub_id` (the `since` of its incremental POST /sync).
  void record_sync_point(const std::string& client_id, const std::string& hub_id, uint64_t sequence, int64_t now_ns);
  // The smallest sync point of the current hub id over every registered
  // client; nullopt when some client has none (it keeps every tombstone).
  std::optional<uint64_t> oldest_sync_point();
  store_totals totals();

  int64_t add_conflict(const conflict_record& record);
  std::vector<conflict_record> list_conflicts(bool open_only);
  void close_conflicts_for_copy(const std::string& copy_path);

  uint64_t last_sequence();
  // A random id made when the database was created: sequence numbers only
  // mean something together with it (a new or replaced database has
  // another id, so clients do not trust their old sync points).
  std::string hub_id();
  // A new epoch: a fresh hub id, so every client's sync point stops
  // matching and its next sync compares everything (history_guard).
  std::string new_hub_id();
  size_t file_count(bool include_deleted);

  void log_event(int64_t now_ns, const std::string& client_id, const std::string& action,
                 const std::string& path, const std::string& detail);

  // Every write between begin_batch() and commit_batch() is one SQLite
  // transaction (put_files, add_conflict, close_conflicts_for_copy and
  // log_event join it): a batch of a thousand uploads costs one commit.
  // rollback_batch() undoes it. Not nested.
  void begin_batch();
  void commit_batch();
  void rollback_batch();

 private:
  explicit server_db(std::unique_ptr<SQLite::Database> db);
  std::unique_ptr<SQLite::Database> db_;
  bool in_batch_ = false;
  // Prepared once, for the per-change statements (declared after db_, so
  // destroyed before it).
  std::unique_ptr<SQLite::Statement> get_file_, upsert_, history_, log_, last_sequence_, set_sequence_;
};

}  // namespace syncer
