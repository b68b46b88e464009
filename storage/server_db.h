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
#include "actors/rules/hub_records.h"  // client_record, conflict_record

namespace SQLite {
class Database;
class Statement;
}  // namespace SQLite

namespace syncer {

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
  // sequence numbers (written back into `entries`).
  void put_files(std::vector<file_entry>& entries);

  // Every stored version of one path, oldest first.
  std::vector<file_entry> history(const std::string& path);
  // True when some version still references the object.
  bool object_referenced(const std::string& sha256);

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
