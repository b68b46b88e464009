#include "storage/sqlite_file.h"

#include <filesystem>

namespace syncer::detail {

std::unique_ptr<SQLite::Database> open_wal_database(const std::string& file, const char* schema,
                                                    const char* what, std::string* error) {
  try {
    auto parent = std::filesystem::path(file).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent);
    auto db = std::make_unique<SQLite::Database>(file, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE, 5000);
    db->exec("PRAGMA journal_mode=WAL");
    db->exec("PRAGMA synchronous=NORMAL");
    db->exec(schema);
    return db;
  } catch (const std::exception& e) {
    if (error) *error = std::string("cannot open ") + what + " " + file + ": " + e.what();
    return nullptr;
  }
}

}  // namespace syncer::detail
