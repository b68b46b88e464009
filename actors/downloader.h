// downloader (client): fetches one hub entry into .syncer/tmp/, fsyncs,
// verifies the sha256, sets the mtime, checks the destination still holds
// what the index expects, then renames atomically into place. Also
// creates folders and applies tombstones under the same check.
// Detached: blocking HTTP through hub_api.
#pragma once

#include <caf/typed_actor.hpp>
#include <caf/replies_to.hpp>
#include <caf/actor_system.hpp>

#include "actors/client_messages.h"
#include "actors/hub_api.h"

namespace syncer {

using downloader_actor = caf::typed_actor<
    caf::replies_to<download_atom, download_job>::with<download_result>,
    // Many jobs at once: small files come in one POST /objects and are
    // flushed together; one result per job, in order.
    caf::replies_to<download_atom, std::vector<download_job>>::with<std::vector<download_result>>,
    caf::replies_to<inspect_atom>::with<actor_state>>;

// Files below this size may be fetched in batches (their bytes are held
// in memory on the way).
constexpr uint64_t max_batched_download_bytes = 1 << 20;

downloader_actor spawn_downloader(caf::actor_system& sys, std::string root, hub_api_factory hub);

}  // namespace syncer
