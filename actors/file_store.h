// file-store (hub): owns the SQLite metadata (storage/server_db) and the
// content-addressed object store. All hub state changes go through this
// one actor, in order, so each commit sees the state the previous one
// left. It runs detached (own thread) because SQLite, fsync and hashing
// block. For each change it asks the conflict-resolver, commits object
// then metadata, and tells the client-registry to fan the event out.
#pragma once

#include <memory>

#include <caf/typed_actor.hpp>
#include <caf/replies_to.hpp>
#include <caf/actor_system.hpp>

#include "actors/client_registry.h"
#include "actors/conflict_resolver.h"
#include "actors/history_messages.h"
#include "actors/messages.h"

namespace syncer {

using file_store_actor = caf::typed_actor<
    // POST /register: existing record when the name is known.
    caf::replies_to<register_atom, std::string>::with<client_record>,
    // POST /register of an authenticated device: (name, its client id).
    caf::replies_to<register_atom, std::string, std::string>::with<client_record>,
    // Is this client id registered? (WebSocket upgrade, X-Client-Id)
    caf::replies_to<client_atom, std::string>::with<std::optional<client_record>>,
    // POST /sync: the client's list -> what each side must send.
    caf::replies_to<sync_atom, std::vector<file_entry>>::with<sync_plan>,
    // Incremental POST /sync: the client's entries changed since its sync
    // point (hub id, sequence) -> a plan over those and the hub's changes
    // since then (a full plan for another hub id or an unknown sequence).
    caf::replies_to<sync_atom, std::vector<file_entry>, uint64_t, std::string>::with<sync_plan>,
    // upload / link / mkdir / delete
    caf::replies_to<commit_atom, incoming_change>::with<change_result>,
    // POST /batch: many changes of one client, decided in order, stored
    // with one grouped flush and one SQLite transaction.
    caf::replies_to<commit_atom, std::vector<incoming_change>>::with<std::vector<change_result>>,
    // GET /files (bool: include deleted)
    caf::replies_to<list_atom, bool>::with<std::vector<file_entry>>,
    // GET /download: current entry + object file
    caf::replies_to<lookup_atom, std::string>::with<file_lookup>,
    // conflicts (bool: open only)
    caf::replies_to<conflicts_atom, bool>::with<std::vector<conflict_record>>,
    // History (docs/history.md): GET /history, POST /restore (one batch,
    // each restored path a fast-forward), GET /store.
    caf::replies_to<history_atom, history_query>::with<history_page>,
    caf::replies_to<restore_atom, restore_request>::with<restore_result>,
    caf::replies_to<store_atom>::with<store_report>,
    // GET /version/{path}?sequence=N: one retained version's entry + object.
    caf::replies_to<lookup_atom, std::string, uint64_t>::with<file_lookup>,
    // One slice of a collection (the janitor), in order with commits.
    caf::replies_to<gc_slice_atom, gc_slice>::with<gc_slice_result>,
    // A client's sync point (client id, hub id, sequence) from its
    // incremental POST /sync: tombstones expire once every client passed them.
    caf::reacts_to<synced_atom, std::string, std::string, uint64_t>,
    caf::replies_to<inspect_atom>::with<actor_state>>;

struct file_store_config {
  std::string data_dir;  // holds meta.db and objects/
  retention_policy retention;  // for GET /store's "reclaimable" dry run
};

// Opens the database and object store; throws std::runtime_error with one
// clear sentence when the data dir cannot be used.
file_store_actor spawn_file_store(caf::actor_system& sys, const file_store_config& config,
                                  conflict_resolver_actor resolver, client_registry_actor registry);

}  // namespace syncer
