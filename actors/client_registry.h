// client-registry (hub): the registered clients, their live WebSocket
// sessions, and the fan-out of file events to every session but the
// origin's. A session is represented by a `session_sink_actor` that the
// network edge spawns per WebSocket; the registry never sees sockets.
#pragma once

#include <caf/typed_actor.hpp>
#include <caf/replies_to.hpp>
#include <caf/actor_system.hpp>

#include "actors/messages.h"

namespace syncer {

// Receives events for one connected client (implemented by net/).
using session_sink_actor = caf::typed_actor<caf::reacts_to<hub_event_atom, hub_event>,
                                            // many at once (a batch), in order
                                            caf::reacts_to<hub_event_atom, std::vector<hub_event>>>;

using client_registry_actor = caf::typed_actor<
    // A WebSocket session of `client_id` opened / closed.
    caf::reacts_to<attach_atom, std::string, session_sink_actor>,
    caf::reacts_to<detach_atom, std::string, session_sink_actor>,
    // Fan out one event to every live session except the origin's.
    caf::reacts_to<notify_atom, hub_event>,
    // The events of one batch: one message per session, not per event.
    caf::reacts_to<notify_atom, std::vector<hub_event>>,
    caf::replies_to<inspect_atom>::with<actor_state>>;

client_registry_actor spawn_client_registry(caf::actor_system& sys);

}  // namespace syncer
