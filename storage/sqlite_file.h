// Opening a SQLite file the way both databases want it: parent folders
// created, WAL journal, synchronous=NORMAL, a busy timeout, schema applied.
#pragma once

#include <memory>
#include <string>

#include <SQLiteCpp/Database.h>

namespace syncer::detail {

// nullptr + "cannot open <what> <file>: <reason>" in `error` on failure.
// `cache_kib`: the most memory SQLite may keep for pages of this file.
std::unique_ptr<SQLite::Database> open_wal_database(const std::string& file, const char* schema,
                                                    const char* what, int cache_kib, std::string* error);

}  // namespace syncer::detail
