// The sync decisions, as pure functions of version vectors and metadata:
// which side must send what (plan_sync, used by POST /sync) and what the
// hub does with one incoming change (resolve_change, used by the
// conflict-resolver). See docs/sync-semantics.md for the decision table.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "actors/rules/file_entry.h"

namespace syncer {

struct sync_plan {
  // Paths whose client version the hub needs: content uploads, folder
  // creations, and client tombstones (sent as DELETE).
  std::vector<std::string> upload;
  // Hub entries the client must fetch (files) or create (folders).
  std::vector<file_entry> download;
  // Hub tombstones the client must apply locally (deepest paths first).
  std::vector<file_entry> remove;
  // Paths edited concurrently on both sides; they are also in `upload`,
  // and the hub's conflict-resolver keeps both versions.
  std::vector<std::string> conflicts;
  // The hub that answered (a random id kept in its database) and its last
  // sequence number when it did: a client that had nothing left to do
  // after this plan was in sync with everything up to `sequence`, and can
  // next time send only what changed since (see POST /sync, "since").
  std::string hub_id;
  uint64_t sequence = 0;
  bool incremental = false;  // planned from changes since the client's sync point only
};

// Compares the client's full list (including its tombstones) with the
// hub's list (including tombstones) and says who sends what. With
// `client_list_complete` false (incremental sync: the client sent only
// what changed since its sync point, the hub only its changes since then
// plus its entries for the client's paths), hub tombstones of paths the
// client did not list are passed on too: the client may have them.
sync_plan plan_sync(const std::vector<file_entry>& client_entries,
                    const std::vector<file_entry>& hub_entries, bool client_list_complete = true);

enum class change_kind {
  fast_forward,  // incoming descends from current: take it
  no_op,         // hub already has this version (or equivalent content)
  stale,         // incoming is older than current (or a delete that loses to an edit)
  merge,         // concurrent, but same content or edit beats delete: take it, merged vector
  conflict,      // concurrent edits with different content: keep both
};

const char* to_string(change_kind kind);

struct change_resolution {
  change_kind kind = change_kind::no_op;
  // What the path holds afterwards (for stale/no_op: the current entry).
  file_entry result;
  // conflict only: the losing version, to be kept as a conflict copy, and
  // whether the loser is the incoming one (else the current one).
  std::optional<file_entry> loser;
  bool incoming_lost = false;
};

// Decides what the hub does with `incoming` for a path whose current
// state is `current` (nullopt when the hub never saw the path).
// Concurrent edits: the newer mtime keeps the name (ties: the larger
// sha256, so every node would pick the same winner).
change_resolution resolve_change(const std::optional<file_entry>& current, const file_entry& incoming);

}  // namespace syncer
