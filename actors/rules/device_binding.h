// What an authenticated device may claim (BRIEF §9): a device speaks only
// for itself. Pure rules, no I/O.
//
// foreign_counter_error: a change from device `own` (its client id)
// carries a version vector `proposed`; the hub holds `current` for that
// path (nullopt when it knows none). A device may raise only its own
// counter: any other counter above the hub's is a claim to have seen
// edits that the hub never recorded, which would let it win over that
// device's next real edit. When the hub knows nothing of the path there
// is no history to forge, so nothing is refused (a tombstone the janitor
// expired must not make a later re-creation fail).
#pragma once

#include <optional>
#include <string>

#include "actors/rules/version_vector.h"

namespace syncer {

std::optional<std::string> foreign_counter_error(const std::optional<version_vector>& current,
                                                 const version_vector& proposed, const std::string& own);

// X-Client-Id (or a WebSocket's client id) from an authenticated device:
// empty or its own id is fine, anything else is an error sentence.
std::optional<std::string> client_id_claim_error(const std::string& claimed, const std::string& own);

}  // namespace syncer
