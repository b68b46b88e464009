// conflict-resolver (hub): decides, from version vectors, whether an
// incoming change is a fast-forward, stale, a merge or a true conflict.
// The decision itself is resolve_change() in actors/rules/sync_rules.h;
// this actor makes it a named, inspectable service with counters.
#pragma once

#include <caf/typed_actor.hpp>
#include <caf/replies_to.hpp>
#include <caf/actor_system.hpp>

#include "actors/messages.h"

namespace syncer {

using conflict_resolver_actor = caf::typed_actor<
    caf::replies_to<decide_atom, std::optional<file_entry>, file_entry>::with<change_resolution>,
    // The same for a batch of changes, answered in order (batch uploads).
    caf::replies_to<decide_atom, std::vector<decide_request>>::with<std::vector<change_resolution>>,
    caf::replies_to<inspect_atom>::with<actor_state>>;

conflict_resolver_actor spawn_conflict_resolver(caf::actor_system& sys);

}  // namespace syncer
