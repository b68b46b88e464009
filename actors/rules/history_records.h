// What the hub's history is made of, as plain values: kept by
// storage/server_db, carried in actor messages (actors/history_messages.h),
// written by the edge's JSON codecs (net/json/history.h). Pure: standard
// library only.
#pragma once

#include <cstdint>
#include <optional>

#include "actors/rules/file_entry.h"

namespace syncer {

// One stored version of a path (a row of `versions`): the entry as it was
// recorded (entry.sequence = the version's sequence number, the key that
// `syncer restore --version` names) and when the hub recorded it.
struct version_record {
  file_entry entry;
  int64_t recorded_ns = 0;
};

// A deleted path of the trash: its tombstone, and the newest live version
// recorded before it (what a restore brings back; nullopt when retention
// already dropped every live version).
struct trash_record {
  version_record deletion;
  std::optional<version_record> last_version;
};

// Bytes of the object store by what uses them (each object counted once,
// under the first use in this order): current files, the history of live
// paths, the history of deleted paths (the trash).
struct store_totals {
  int64_t current_bytes = 0, history_bytes = 0, trash_bytes = 0;
  int64_t current_objects = 0, history_objects = 0, trash_objects = 0;
  int64_t versions = 0, tombstones = 0, sync_log_rows = 0;
};

}  // namespace syncer
