// Internal to actors/file_store*.cpp: the history, restore and collection
// work of file-store, as functions of its database and object store, so
// file_store.cpp keeps the actor and the commit path. Every function runs
// inside file-store's turn (one owner of meta.db, in order with commits).
#pragma once

#include <string>
#include <vector>

#include "actors/history_messages.h"
#include "storage/object_store.h"
#include "storage/server_db.h"

namespace syncer::file_store_parts {

// file_store_history.cpp
history_page read_history(server_db& db, const history_query& q);

// A restore turned into changes: `changes` (links to retained content,
// folders, deletions; origin "hub", no version given, so each is the next
// edit after the current one) for file-store's commit path, and the part
// of the answer known before committing.
struct restore_work {
  restore_result result;
  std::vector<incoming_change> changes;
};
restore_work prepare_restore(server_db& db, object_store& objects, const restore_request& r);
// The same without touching the object store (what prepare_restore plans).
restore_work plan_restore_work(server_db& db, const restore_request& r);
// Fills `result` from the commit's answers, one per change in order.
void finish_restore(restore_result& result, const std::vector<incoming_change>& changes,
                    const std::vector<change_result>& answers);
// GET /version: one retained version's entry and object (found = false
// for an unknown version, a tombstone or a folder).
file_lookup lookup_version(server_db& db, object_store& objects, const std::string& path, uint64_t sequence);
// A client's sync point from its incremental /sync, kept when it names
// this hub's id, a sequence the hub has reached and a registered client.
void note_sync_point(server_db& db, const std::string& client, const std::string& hub_id, uint64_t sequence);
store_report report_store(server_db& db, const retention_policy& policy, int64_t now_ns);

// file_store_gc.cpp: one slice of a collection (see gc_slice).
gc_slice_result run_gc_slice(server_db& db, object_store& objects, const gc_slice& slice);

// The origin of restored versions: not a client id (those are 12 hex
// digits), so every client, the one that asked included, receives them.
inline const char* restore_origin = "hub";

}  // namespace syncer::file_store_parts
