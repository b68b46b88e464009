// The client's sync decisions, as pure functions of index rows and hub
// entries (no I/O; the folder-model carries them out):
//   - what to do with an entry the hub sends (plan or event);
//   - what follows the hub's answer to one of our uploads;
//   - whether an event about a path already being downloaded needs a new
//     plan.
// docs/sync-semantics.md describes the same rules in prose.
#pragma once

#include <optional>
#include <string>

#include "actors/rules/file_entry.h"

namespace syncer {

enum class hub_entry_action {
  nothing,   // we have this version or a newer one
  record,    // store `record` in the index, touch nothing on disk (a tombstone to remember, same bytes adopted)
  download,  // bring the hub's entry to disk (file, folder or tombstone)
  upload,    // our concurrent edit goes up; the hub's conflict-resolver keeps both
};

struct hub_entry_decision {
  hub_entry_action action = hub_entry_action::nothing;
  file_entry record;  // for `record`
};

// `local` is the index row for the path (nullopt: never seen here).
hub_entry_decision decide_hub_entry(const std::optional<file_entry>& local, const file_entry& hub);

enum class upload_followup {
  nothing,          // the index has moved on in a way that needs nothing now
  record,           // adopt the hub's version: store `record`
  download_winner,  // we lost a conflict: fetch the winner (`record` is the hub's entry)
  replan,           // the hub holds a concurrent version: ask for a new plan
  upload_again,     // edited again meanwhile: store `record` (descending from the hub's) and send it
};

struct upload_decision {
  upload_followup action = upload_followup::nothing;
  file_entry record;
  bool lost = false;  // a conflict the other version won (ours is kept as a conflict copy)
};

// After the hub took `sent` (kind "conflict" or not) and now holds `hub`;
// `current` is the index row for the path now.
upload_decision decide_after_upload(const file_entry& current, const file_entry& sent, const file_entry& hub,
                                    bool conflict, const std::string& client_id);

// Why an entry from the hub (plan, event, prefetch) cannot be acted on
// (nullopt: it can): its path fails hub_path_error, or it is a live file
// whose sha256 is not 64 lowercase hex digits (temp files are named after
// it). A hostile or broken hub gets nothing written for such an entry.
std::optional<std::string> hub_entry_error(const file_entry& entry);

// Do two hub entries name the same version (an event and a plan often
// both mention the one being downloaded: the second needs no new plan)?
bool same_hub_version(const file_entry& a, const file_entry& b);

}  // namespace syncer
