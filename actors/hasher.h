// hasher (client): lstat + streaming SHA-256 (Crypto++) of one path,
// re-checking size and mtime after reading so a file being written is
// reported unstable instead of hashed half-way. Detached: hashing blocks.
#pragma once

#include <caf/typed_actor.hpp>
#include <caf/replies_to.hpp>
#include <caf/actor_system.hpp>

#include "actors/client_messages.h"
#include "storage/sync_root.h"

namespace syncer {

using hasher_actor = caf::typed_actor<
    // relative path -> state on disk
    caf::replies_to<hash_atom, std::string>::with<local_file_state>,
    // many paths -> their states, in order (scans)
    caf::replies_to<hash_atom, std::vector<std::string>>::with<std::vector<local_file_state>>,
    caf::replies_to<inspect_atom>::with<actor_state>>;

hasher_actor spawn_hasher(caf::actor_system& sys, std::string root);

// The blocking work itself, callable without an actor (tests, scans).
// Only ENOENT/ENOTDIR make a path "not there"; any other error is
// reported in `error` with exists = true, so it never becomes a deletion.
local_file_state read_local_state(const sync_root& root, const std::string& rel_path, bool hash);

}  // namespace syncer
