// A device the hub knows (BRIEF §9): a plain value, stored by
// storage/device_db, owned by the device-registry actor, shown by the edge
// and `syncer devices`.
#pragma once

#include <cstdint>
#include <string>

namespace syncer {

struct device_row {
  std::string id;    // canonical device ID
  std::string name;  // client_name it registered with ("" before /register)
  std::string state; // "accepted", "pending", "removed"
  int64_t first_seen_ns = 0;
  int64_t last_seen_ns = 0;
  std::string address;  // peer address of the last connection
};

}  // namespace syncer
