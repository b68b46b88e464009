// Shared by server_db and client_index: reading a file_entry from a row
// whose first columns are (path, sha256, size, mtime_ns, version, deleted,
// is_dir, origin), and binding one to a statement in the same order.
#pragma once

#include <SQLiteCpp/Statement.h>

#include "actors/rules/file_entry.h"

namespace syncer::detail {

inline file_entry entry_from_row(SQLite::Statement& q) {
  file_entry e;
  e.path = q.getColumn(0).getString();
  e.sha256 = q.getColumn(1).getString();
  e.size = static_cast<uint64_t>(q.getColumn(2).getInt64());
  e.mtime_ns = q.getColumn(3).getInt64();
  e.version = version_vector::parse(q.getColumn(4).getString()).value_or(version_vector{});
  e.deleted = q.getColumn(5).getInt() != 0;
  e.is_dir = q.getColumn(6).getInt() != 0;
  e.origin = q.getColumn(7).getString();
  return e;
}

// Binds parameters 1..8.
inline void bind_entry(SQLite::Statement& q, const file_entry& e) {
  q.bind(1, e.path);
  q.bind(2, e.sha256);
  q.bind(3, static_cast<int64_t>(e.size));
  q.bind(4, e.mtime_ns);
  q.bind(5, e.version.to_string());
  q.bind(6, e.deleted ? 1 : 0);
  q.bind(7, e.is_dir ? 1 : 0);
  q.bind(8, e.origin);
}

constexpr const char* entry_columns = "path, sha256, size, mtime_ns, version, deleted, is_dir, origin";

}  // namespace syncer::detail
