// JSON codecs of hub events on the WebSocket (/ws/{client_id}):
// file_changed, file_deleted, file_incoming, ping/pong, and the batch
// message of a session opened with ?batch=1 (docs/api.md). Parse
// functions return nullopt and one sentence in `error` on bad input.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "actors/messages.h"

namespace syncer::json {

std::string event_json(const hub_event& ev);
std::optional<hub_event> parse_event(std::string_view body, std::string* error);
// A WebSocket session opened with ?batch=1 may get several events in one
// message: {"type":"batch","events":[event, ...]} (docs/api.md).
std::string event_batch_json(const std::vector<std::string>& event_texts);
// The events of a message, one or a batch, in order.
std::optional<std::vector<hub_event>> parse_events(std::string_view body, std::string* error);

}  // namespace syncer::json
