#include "storage/sqlite_file.h"

#include <filesystem>

namespace syncer::detail {

std::unique_ptr<SQLite::Database> open_wal_database(const std::string& file, const char* schema,
                                                    const char* what, int cache_kib, std::string* error) {
  try {
    auto parent = std::filesystem::path(file).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent);
    // NOMUTEX: each connection is used by one actor (or, at start, one
    // helper thread) at a time, so SQLite's own per-call locking is pure
    // cost (5 % of a client's CPU while it hashes a big folder).
    auto db = std::make_unique<SQLite::Database>(
        file, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_NOMUTEX, 5000);
    db->exec("PRAGMA journal_mode=WAL");
    db->exec("PRAGMA synchronous=NORMAL");
    // Batches touch pages all over the path and sha256 indexes: a cache
    // that holds them (it grows only as used) saves re-reading them, and
    // fewer checkpoints write each page fewer times.
    db->exec("PRAGMA cache_size=-" + std::to_string(cache_kib));
    db->exec("PRAGMA wal_autocheckpoint=4000");
    db->exec(schema);
    return db;
  } catch (const std::exception& e) {
    if (error) *error = std::string("cannot open ") + what + " " + file + ": " + e.what();
    return nullptr;
  }
}

}  // namespace syncer::detail
