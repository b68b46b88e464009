// JSON codecs of history, restore and collection (docs/api.md):
// GET /history/{path} (versions, or the trash with ?deleted=1), POST
// /restore (request and answer), POST /gc and GET /store answers. Every
// parse function returns nullopt and one sentence in `error` on bad input.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "actors/history_messages.h"

namespace syncer::json {

// {"path":P,"versions":[{entry fields...,"recorded_ns","recorded_at","origin_name"}],"next_before":N|null}
// `next_before` is set when the page is full (ask again with ?before=N).
std::string history_json(const std::string& path, const history_page& page, size_t limit);
// {"path":P,"deleted":[{"path","sequence","deleted_ns","deleted_at","deleted_by","deleted_by_name",
//   "restorable":{version}|null}],"next_after":path|null}
std::string trash_json(const std::string& path, const history_page& page, size_t limit);
std::string restore_result_json(const restore_result& r);
std::string gc_report_json(const gc_report& r);
std::string store_report_json(const store_report& r);

// POST /restore body {"path": P, "sequence": N} or {"path": P, "at": TIME}
// (TIME: nanoseconds since the epoch, or text as actors/rules/time_point.h
// reads it, relative to `now_ns`). Exactly one of sequence and at.
std::optional<restore_request> parse_restore_request(std::string_view body, int64_t now_ns, std::string* error);

// Client side (the CLI).
struct history_reply {
  std::vector<version_record> versions;
  std::vector<trash_record> trash;
  std::map<std::string, std::string> names;
  std::optional<uint64_t> next_before;
  std::optional<std::string> next_after;
};
std::optional<history_reply> parse_history_reply(std::string_view body, std::string* error);
std::optional<restore_result> parse_restore_reply(std::string_view body, std::string* error);
std::optional<gc_report> parse_gc_report(std::string_view body, std::string* error);
std::optional<store_report> parse_store_report(std::string_view body, std::string* error);

}  // namespace syncer::json
