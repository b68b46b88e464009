// prefetcher (client): fetches a large file another client is still
// uploading (hub event "file_incoming", GET /incoming/{sha256}), so the
// bytes cross both hops at once instead of one after the other. It only
// writes into .syncer/tmp/: prefetch-<sha256>.part while the bytes arrive
// (hashed on the way), renamed to <sha256>.verified once they hash to the
// announced sha256. The downloader takes a .verified file instead of
// downloading, with the usual checks before the rename into place; a
// prefetch nobody asks for is removed at the next start. Detached:
// blocking HTTP through hub_api, its own connection.
#pragma once

#include <caf/typed_actor.hpp>
#include <caf/replies_to.hpp>
#include <caf/actor_system.hpp>

#include "actors/client_messages.h"
#include "actors/hub_api.h"

namespace syncer {

using prefetcher_actor = caf::typed_actor<
    // entry: path, sha256 and size of the upload being announced.
    caf::replies_to<prefetch_atom, file_entry>::with<download_result>,
    caf::replies_to<inspect_atom>::with<actor_state>>;

// Files announced with at least this many bytes are prefetched.
constexpr uint64_t prefetch_min_size = 4ull << 20;

prefetcher_actor spawn_prefetcher(caf::actor_system& sys, std::string root, hub_api_factory hub);

// .syncer/tmp/<sha256>.verified: what the prefetcher leaves for the downloader.
std::string verified_prefetch_path(const std::string& root, const std::string& sha256);

}  // namespace syncer
