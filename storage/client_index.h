// The client's index of what it last synced, in <sync>/.syncer/index.db:
// one row per path (file, folder or tombstone) with sha256, size, mtime
// and version vector, plus a small key/value table (client id, last sync).
// A restart compares the disk with it to find offline edits and deletions
// without re-hashing unchanged files. Not thread-safe: one owner.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "actors/rules/file_entry.h"

namespace SQLite {
class Database;
class Statement;
}  // namespace SQLite

namespace syncer {

// A path the client cannot look at (permission denied, I/O error, a link
// in the way, ...): kept here so `syncer status` shows it whether or not
// the daemon runs.
struct local_problem {
  std::string path;
  std::string reason;
  int64_t since_ns = 0;  // wall clock, when first seen
  int attempts = 0;
};

class client_index {
 public:
  static std::unique_ptr<client_index> open(const std::string& file, std::string* error);
  // Read-only open for `syncer status` while the daemon may run.
  static std::unique_ptr<client_index> open_read_only(const std::string& file, std::string* error);
  ~client_index();

  std::optional<file_entry> get(const std::string& path);
  std::vector<file_entry> all();
  // Upserts in one transaction.
  void put(const std::vector<file_entry>& entries);
  void put(const file_entry& entry);
  void erase(const std::string& path);

  std::optional<std::string> get_meta(const std::string& key);
  void set_meta(const std::string& key, const std::string& value);

  size_t count(bool include_deleted);

  // Problems (see local_problem), replaced or removed by path.
  void put_problem(const local_problem& problem);
  void erase_problem(const std::string& path);
  std::vector<local_problem> problems();

  // Deletions held back by the mass-delete guard, until the user decides
  // (the decision travels as meta key "held_deletions_decision").
  void hold_deletion(const std::string& path, int64_t since_ns);
  std::vector<std::pair<std::string, int64_t>> held_deletions();
  void clear_held_deletions();

  // What a scan compares with the disk, for every live (not deleted)
  // entry, loaded in one query: cheaper than a lookup per path.
  struct disk_view {
    uint64_t size = 0;
    int64_t mtime_ns = 0;
    bool is_dir = false;
  };
  std::unordered_map<std::string, disk_view> live_disk_views();

  // Every put() stamps its rows with the next local sequence number, so a
  // client can tell the hub only what changed since its last sync point.
  int64_t last_local_seq() const { return last_local_seq_; }
  std::vector<file_entry> changed_since(int64_t local_seq);

  // Every write between begin_batch() and end_batch() is one SQLite
  // transaction, so recording thousands of downloads costs one commit.
  // Calls nest; the outermost end_batch() commits.
  void begin_batch();
  void end_batch();

  // Writes never throw for a full disk or quota: the write (and the rest
  // of an open batch) is dropped and the failure kept here until taken.
  // The owner then rebuilds what was lost (rescan + full sync) once the
  // index can be written again. Other SQLite errors still throw.
  std::optional<std::string> take_write_failure();

 private:
  explicit client_index(std::unique_ptr<SQLite::Database> db);
  template <class F>
  void guarded_write(F&& write);
  void put_rows(const std::vector<file_entry>& entries);
  std::optional<std::string> write_failure_;
  std::unique_ptr<SQLite::Database> db_;
  int batch_depth_ = 0;
  int64_t last_local_seq_ = 0;
  // Prepared once: a scan looks up every path (declared after db_, so
  // destroyed before it).
  std::unique_ptr<SQLite::Statement> get_, put_;
};

}  // namespace syncer
