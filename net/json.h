// JSON codecs of the wire shapes in docs/api.md. Parsing uses simdjson
// (kept inside json.cpp); writing is plain string building. Every parse
// function returns nullopt and one sentence in `error` on bad input, so the
// edge can answer 400 without throwing.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "actors/messages.h"
#include "actors/hub_api.h"

namespace syncer::json {

// "text" with JSON escapes, including the quotes.
std::string quote(std::string_view text);
void append_quoted(std::string& out, std::string_view text);
std::string error_body(std::string_view message);  // {"error":"..."}

std::string version_json(const version_vector& v);  // {"id":3,...}
std::string entry_json(const file_entry& e);
void append_entry_json(std::string& out, const file_entry& e);  // entry_json, appended to `out`
// About the bytes entries_json writes for `entries`, for reserving once.
size_t entries_json_size_hint(const std::vector<file_entry>& entries);
std::string entries_json(const std::vector<file_entry>& entries, std::string_view key);  // {"<key>":[...]}
std::string sync_plan_json(const sync_plan& plan);
std::string change_result_json(const change_result& r);
std::string event_json(const hub_event& ev);
std::string actor_states_json(std::string_view node_role, const std::vector<actor_state>& states);
std::string conflicts_json(const std::vector<conflict_record>& conflicts);

// POST /register body -> client_name.
std::optional<std::string> parse_register_request(std::string_view body, std::string* error);
// POST /sync body {"client_id": "...", "files": [entries]} -> entries.
std::optional<std::vector<file_entry>> parse_sync_request(std::string_view body, std::string* error);
// The same with the optional incremental part: {"since": N, "hub_id": "..."}.
struct sync_request {
  std::vector<file_entry> files;
  std::optional<uint64_t> since;
  std::string hub_id;
};
std::optional<sync_request> parse_sync_request_since(std::string_view body, std::string* error);
// POST /link body {"sha256","size","mtime","version"} -> entry (path not set).
std::optional<file_entry> parse_link_request(std::string_view body, std::string* error);

// POST /batch: the manifest line {"changes":[{"op":"upload|link|mkdir|delete", entry fields}]}
// (content not included), the answer {"results":[{"status":N, change result fields}]}.
std::string batch_manifest_json(const std::vector<batch_change>& changes);
std::optional<std::vector<batch_change>> parse_batch_manifest(std::string_view body, std::string* error);
std::string batch_results_json(const std::vector<change_result>& results);
std::optional<std::vector<batch_outcome>> parse_batch_results(std::string_view body, std::string* error);
// POST /objects: {"sha256":[...]} -> list; the answer's first line {"sizes":[n|null,...]}.
std::optional<std::vector<std::string>> parse_objects_request(std::string_view body, std::string* error);
std::string objects_sizes_json(const std::vector<std::optional<uint64_t>>& sizes);
std::optional<std::vector<std::optional<uint64_t>>> parse_objects_sizes(std::string_view line, std::string* error);

// Block deltas (storage/block_delta.h). GET /blocks answers
// {"sha256","size","block_size","checksums":"<16 hex digits per block>"};
// GET /delta answers a first line {"sha256","size","block_size","literal":"0-3,17"}
// then the bytes of the literal blocks.
struct blocks_reply {
  std::string sha256;
  uint64_t size = 0;
  uint64_t block_size = 0;
  std::vector<uint64_t> checksums;
};
std::string blocks_reply_json(const blocks_reply& r);
std::optional<blocks_reply> parse_blocks_reply(std::string_view body, std::string* error);
struct delta_header {
  std::string sha256;
  uint64_t size = 0;
  uint64_t block_size = 0;
  std::string literal;  // block list, "0-3,17"
};
std::string delta_header_json(const delta_header& h);
std::optional<delta_header> parse_delta_header(std::string_view line, std::string* error);

// Client side: hub answers.
std::optional<std::string> parse_register_reply(std::string_view body, std::string* error);
std::optional<sync_plan> parse_sync_plan(std::string_view body, std::string* error);
std::optional<hub_change> parse_change_reply(std::string_view body, std::string* error);
std::optional<std::vector<file_entry>> parse_entry_list(std::string_view body, std::string_view key,
                                                        std::string* error);
std::optional<hub_event> parse_event(std::string_view body, std::string* error);
// A WebSocket session opened with ?batch=1 may get several events in one
// message: {"type":"batch","events":[event, ...]} (docs/api.md).
std::string event_batch_json(const std::vector<std::string>& event_texts);
// The events of a message, one or a batch, in order.
std::optional<std::vector<hub_event>> parse_events(std::string_view body, std::string* error);
std::optional<std::vector<actor_state>> parse_actor_states(std::string_view body, std::string* error);
std::optional<std::vector<conflict_record>> parse_conflicts(std::string_view body, std::string* error);
// {"error": "..."} -> message (or the raw body when not that shape).
std::string parse_error_message(std::string_view body);

}  // namespace syncer::json
