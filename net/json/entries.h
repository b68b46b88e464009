// JSON codecs of file entries and the requests and answers made of them:
// POST /register, POST /sync (request and plan), POST /link, one change's
// answer, GET /files (docs/api.md). Every parse function returns nullopt
// and one sentence in `error` on bad input, so the edge can answer 400
// without throwing.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "actors/hub_api.h"
#include "actors/messages.h"

namespace syncer::json {

std::string entry_json(const file_entry& e);
void append_entry_json(std::string& out, const file_entry& e);  // entry_json, appended to `out`
// About the bytes entries_json writes for `entries`, for reserving once.
size_t entries_json_size_hint(const std::vector<file_entry>& entries);
std::string entries_json(const std::vector<file_entry>& entries, std::string_view key);  // {"<key>":[...]}
std::string sync_plan_json(const sync_plan& plan);
std::string change_result_json(const change_result& r);

// POST /register body -> client_name.
std::optional<std::string> parse_register_request(std::string_view body, std::string* error);
// POST /sync body {"client_id": "...", "files": [entries]} -> entries.
std::optional<std::vector<file_entry>> parse_sync_request(std::string_view body, std::string* error);
// The same with the optional incremental part: {"since": N, "hub_id": "..."}.
struct sync_request {
  std::vector<file_entry> files;
  std::optional<uint64_t> since;
  std::string hub_id;
  std::string client_id;  // who asks ("" from older clients)
};
std::optional<sync_request> parse_sync_request_since(std::string_view body, std::string* error);
// POST /link body {"sha256","size","mtime","version"} -> entry (path not set).
std::optional<file_entry> parse_link_request(std::string_view body, std::string* error);

// Client side: hub answers.
std::optional<std::string> parse_register_reply(std::string_view body, std::string* error);
std::optional<sync_plan> parse_sync_plan(std::string_view body, std::string* error);
std::optional<hub_change> parse_change_reply(std::string_view body, std::string* error);
std::optional<std::vector<file_entry>> parse_entry_list(std::string_view body, std::string_view key,
                                                        std::string* error);

}  // namespace syncer::json
