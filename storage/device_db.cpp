#include "storage/device_db.h"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include "storage/sqlite_file.h"

namespace syncer {
namespace {

const char* schema = R"(
CREATE TABLE IF NOT EXISTS devices (
  id TEXT PRIMARY KEY, name TEXT NOT NULL DEFAULT '', state TEXT NOT NULL,
  first_seen_ns INTEGER NOT NULL, last_seen_ns INTEGER NOT NULL, address TEXT NOT NULL DEFAULT '');
)";

device_row row_of(SQLite::Statement& q) {
  return device_row{q.getColumn(0).getString(), q.getColumn(1).getString(), q.getColumn(2).getString(),
                    q.getColumn(3).getInt64(),  q.getColumn(4).getInt64(),  q.getColumn(5).getString()};
}

constexpr const char* columns = "SELECT id, name, state, first_seen_ns, last_seen_ns, address FROM devices";

}  // namespace

std::unique_ptr<device_db> device_db::open(const std::string& file, std::string* error) {
  auto db = detail::open_wal_database(file, schema, "device database", 1024, error);
  if (!db) return nullptr;
  return std::unique_ptr<device_db>(new device_db(std::move(db)));
}

device_db::device_db(std::unique_ptr<SQLite::Database> db) : db_(std::move(db)) {}
device_db::~device_db() = default;

std::optional<device_row> device_db::get(const std::string& id) {
  SQLite::Statement q(*db_, std::string(columns) + " WHERE id = ?");
  q.bind(1, id);
  if (q.executeStep()) return row_of(q);
  return std::nullopt;
}

device_row device_db::seen(const std::string& id, const std::string& address, const std::string& state_if_new,
                           int64_t now) {
  SQLite::Statement insert(*db_,
                           "INSERT INTO devices (id, state, first_seen_ns, last_seen_ns, address) VALUES (?, ?, ?, ?, ?) "
                           "ON CONFLICT(id) DO UPDATE SET last_seen_ns = excluded.last_seen_ns, address = excluded.address");
  insert.bind(1, id);
  insert.bind(2, state_if_new);
  insert.bind(3, now);
  insert.bind(4, now);
  insert.bind(5, address);
  insert.exec();
  return *get(id);
}

void device_db::set_name(const std::string& id, const std::string& name) {
  SQLite::Statement q(*db_, "UPDATE devices SET name = ? WHERE id = ?");
  q.bind(1, name);
  q.bind(2, id);
  q.exec();
}

void device_db::set_state(const std::string& id, const std::string& state) {
  SQLite::Statement q(*db_, "UPDATE devices SET state = ? WHERE id = ?");
  q.bind(1, state);
  q.bind(2, id);
  q.exec();
}

std::vector<device_row> device_db::list() {
  SQLite::Statement q(*db_, std::string(columns) + " ORDER BY first_seen_ns");
  std::vector<device_row> out;
  while (q.executeStep()) out.push_back(row_of(q));
  return out;
}

}  // namespace syncer
