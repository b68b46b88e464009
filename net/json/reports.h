// JSON codecs of what nodes report rather than sync: GET /inspect's actor
// states, GET /conflicts' records, and reading an {"error": ...} body back.
// The readers are lenient (a malformed item is skipped), since they only
// feed the CLI's displays.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "actors/rules/device_record.h"
#include "actors/messages.h"

namespace syncer::json {

std::string actor_states_json(std::string_view node_role, const std::vector<actor_state>& states);
std::string conflicts_json(const std::vector<conflict_record>& conflicts);

std::optional<std::vector<actor_state>> parse_actor_states(std::string_view body, std::string* error);
std::optional<std::vector<conflict_record>> parse_conflicts(std::string_view body, std::string* error);
// GET /devices of the hub's admin endpoint ({"devices": [...]}); one device
// ({"id", ...}) when `single`.
std::optional<std::vector<device_row>> parse_devices(std::string_view body, bool single, std::string* error);
// {"error": "..."} -> message (or the raw body when not that shape).
std::string parse_error_message(std::string_view body);

}  // namespace syncer::json
