// The hub's known devices (BRIEF §9), in devices.db of its data dir: one
// row per certificate the hub has seen, with the name it registered
// under, when it was first and last seen (and from where), and whether it
// is accepted, pending (waiting for `syncer devices accept`) or removed
// (refused until accepted again). No actors, no network; one owner (the
// device-registry actor) at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actors/rules/device_record.h"

namespace SQLite {
class Database;
}

namespace syncer {


class device_db {
 public:
  static std::unique_ptr<device_db> open(const std::string& file, std::string* error);
  ~device_db();

  std::optional<device_row> get(const std::string& id);
  // The row of `id`, created in `state_if_new` when unknown; last seen now from `address`.
  device_row seen(const std::string& id, const std::string& address, const std::string& state_if_new, int64_t now);
  void set_name(const std::string& id, const std::string& name);
  void set_state(const std::string& id, const std::string& state);
  std::vector<device_row> list();

 private:
  explicit device_db(std::unique_ptr<SQLite::Database> db);
  std::unique_ptr<SQLite::Database> db_;
};

}  // namespace syncer
