// janitor (hub): applies the retention policy (actors/rules/retention.h)
// periodically and on demand. It owns no data: each collection is a
// series of short slices, each one message to file-store (which owns
// meta.db and objects/ and runs the slice in its turn, in order with
// commits; see actors/file_store_gc.cpp for why that makes removal
// crash-safe and race-free). Between slices file-store serves everyone
// else, so the hub keeps syncing while a collection runs. Stages, in
// order: pending (finish removals a crash interrupted), versions (prune
// versions, expire tombstones), log (prune the sync log), orphans (objects
// no row references). One collection at a time; a request during a run
// is answered when that run ends.
#pragma once

#include <cstdint>

#include <caf/actor_system.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "actors/file_store.h"
#include "actors/history_messages.h"

namespace syncer {

using janitor_actor = caf::typed_actor<
    // POST /gc, syncer gc: run a collection now (or join the running one).
    caf::replies_to<gc_atom>::with<gc_report>,
    // GET /store: the store's sizes (asked of file-store).
    caf::replies_to<store_atom>::with<store_report>,
    caf::replies_to<inspect_atom>::with<actor_state>,
    // Internal: the periodic timer.
    caf::reacts_to<caf::tick_atom>>;

struct janitor_config {
  retention_policy policy;
  int64_t interval_ns = 3600LL * 1'000'000'000;  // between collections; 0 = only on demand
  size_t paths_per_slice = 500;
  // The clock retention decisions use (tests of the actor inject one).
  int64_t (*clock)() = nullptr;
};

janitor_actor spawn_janitor(caf::actor_system& sys, const janitor_config& config, file_store_actor store);

}  // namespace syncer
