// Messages of the hub's history, restore and garbage collection (issue
// 14): what the edge asks file-store (GET /history, POST /restore) and
// what the janitor asks it (one collection slice at a time). Kept apart
// from messages.h so the sync path's messages stay as they are.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>

#include "actors/messages.h"
#include "actors/rules/outcome.h"
#include "actors/rules/retention.h"
#include "actors/rules/history_records.h"

namespace syncer {

using history_atom = caf::atom_constant<caf::atom("history")>;
using restore_atom = caf::atom_constant<caf::atom("restore")>;
using gc_atom = caf::atom_constant<caf::atom("gc")>;
using gc_slice_atom = caf::atom_constant<caf::atom("gc_slice")>;
using store_atom = caf::atom_constant<caf::atom("store")>;
using synced_atom = caf::atom_constant<caf::atom("synced")>;

// GET /history/{path}: the versions under `path` ("" = the whole tree),
// newest first, before sequence `before` (0 = from the newest), at most
// `limit`; or with `trash` the deleted files under it, by path after
// `after_path`.
struct history_query {
  std::string path;
  uint64_t before = 0;
  size_t limit = 100;
  bool trash = false;
  std::string after_path;
};

struct history_page {
  std::vector<version_record> versions;
  std::vector<trash_record> trash;
  std::map<std::string, std::string> names;  // client id -> client name, for every origin listed
};

// POST /restore: one version by its sequence, or the state at `at_ns`
// (hub clock) of the path or sub-tree `path` ("" = everything).
struct restore_request {
  std::string path;
  uint64_t sequence = 0;  // 0: use at_ns
  int64_t at_ns = 0;
};

struct restore_result {
  outcome result;                      // ok, or why nothing was restored (not_found, stale, ...)
  std::vector<file_entry> restored;    // the new current entries (new versions)
  std::vector<std::string> unchanged;  // already as they were
  std::vector<std::string> left_alone; // created (or re-created) after the time: kept as they are
  std::vector<std::string> failed;     // "path: reason" (e.g. content already collected)
};

// One slice of a collection, asked of file-store by the janitor: the
// paths after `cursor` (at most `max_paths`), the retention policy and
// the janitor's clock. Stage "versions" walks paths; "log" prunes the
// sync log; "orphans" sweeps one fan-out folder of objects/ (`cursor` =
// its index as text).
struct gc_slice {
  std::string stage;
  std::string cursor;
  size_t max_paths = 500;
  retention_policy policy;
  int64_t now_ns = 0;
};

struct gc_slice_result {
  std::string next_cursor;  // empty: the stage is done
  int64_t versions_pruned = 0, objects_removed = 0, bytes_freed = 0, tombstones_expired = 0, log_rows_pruned = 0;
  std::string error;
};

// What one collection did (syncer gc, POST /gc, the janitor's inspect).
struct gc_report {
  int64_t versions_pruned = 0, objects_removed = 0, bytes_freed = 0, tombstones_expired = 0, log_rows_pruned = 0;
  int64_t slices = 0, started_ns = 0, duration_ns = 0;
  std::string error;  // the last slice error, if any
};

// The store's sizes (GET /store, syncer status --url): the totals by use,
// and what a collection under the configured policy would free now
// (objects only versions due for removal use).
struct store_report {
  store_totals totals;
  int64_t reclaimable_bytes = 0, reclaimable_objects = 0;
};

}  // namespace syncer

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(syncer::history_query)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(syncer::history_page)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(syncer::restore_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(syncer::restore_result)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(syncer::gc_slice)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(syncer::gc_slice_result)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(syncer::store_report)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(syncer::gc_report)
