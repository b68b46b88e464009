// uploader (client): publishes one local entry to the hub: a file (first
// as a link by sha256, so moves and copies do not resend bytes the hub
// has, else streamed), a folder, or a tombstone; or a batch of small
// ones in one request (their bytes read into memory, so batches are
// small files only). Detached: blocking HTTP
// through hub_api.
#pragma once

#include <caf/typed_actor.hpp>
#include <caf/replies_to.hpp>
#include <caf/actor_system.hpp>

#include "actors/client_messages.h"
#include "actors/hub_api.h"

namespace syncer {

using uploader_actor = caf::typed_actor<
    caf::replies_to<upload_atom, file_entry>::with<upload_result>,
    // Small files, folders and tombstones: one POST /batch for all of
    // them, one result per entry in order.
    caf::replies_to<upload_atom, std::vector<file_entry>>::with<std::vector<upload_result>>,
    caf::replies_to<inspect_atom>::with<actor_state>>;

uploader_actor spawn_uploader(caf::actor_system& sys, std::string root, hub_api_factory hub);

}  // namespace syncer
