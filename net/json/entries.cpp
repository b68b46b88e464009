// File entries, POST /register, POST /sync (request and plan), POST /link
// and one change's answer (see net/json/entries.h).
#include "net/json/entries.h"

#include "net/json/fields.h"
#include "net/json/reader.h"
#include "net/json/writer.h"

namespace syncer::json {
using namespace detail;

void append_entry_json(std::string& out, const file_entry& e) {
  out += '{';
  append_entry_fields(out, e);
  out += '}';
}

std::string entry_json(const file_entry& e) {
  std::string out;
  append_entry_json(out, e);
  return out;
}

size_t entries_json_size_hint(const std::vector<file_entry>& entries) {
  size_t total = 32;
  for (const auto& e : entries) total += e.path.size() + e.origin.size() + 192 + 56 * e.version.counters().size();
  return total;
}

std::string entries_json(const std::vector<file_entry>& entries, std::string_view key) {
  std::string out;
  out.reserve(entries_json_size_hint(entries) + key.size());
  out += '{';
  append_quoted(out, key);
  out += ":[";
  for (size_t i = 0; i < entries.size(); ++i) {
    if (i) out += ',';
    append_entry_json(out, entries[i]);
  }
  out += "]}";
  return out;
}

namespace {
std::string string_array(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    out += quote(items[i]);
  }
  return out + "]";
}
std::string entry_array(const std::vector<file_entry>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    append_entry_json(out, items[i]);
  }
  return out + "]";
}
}  // namespace

std::string sync_plan_json(const sync_plan& plan) {
  return "{\"upload\":" + string_array(plan.upload) + ",\"download\":" + entry_array(plan.download) +
         ",\"delete\":" + entry_array(plan.remove) + ",\"conflicts\":" + string_array(plan.conflicts) +
         ",\"hub_id\":" + quote(plan.hub_id) + ",\"sequence\":" + std::to_string(plan.sequence) +
         ",\"incremental\":" + (plan.incremental ? "true" : "false") + "}";
}

std::string change_result_json(const change_result& r) {
  std::string out = "{";
  append_entry_fields(out, r.entry);
  out += ",\"result\":" + quote(r.kind);
  out += ",\"conflict_copy\":" + (r.conflict_copy ? entry_json(*r.conflict_copy) : std::string("null"));
  if (!r.result.ok()) out += ",\"error\":" + quote(r.result.message);
  out += '}';
  return out;
}

std::optional<std::string> parse_register_request(std::string_view body, std::string* error) {
  dom::object obj;
  if (!root_object(body, &obj, error)) return std::nullopt;
  std::string name;
  if (!read_string(obj, "client_name", &name, true, error)) return std::nullopt;
  if (name.empty() || name.size() > 128) {
    fail(error, "field 'client_name' must be 1 to 128 characters");
    return std::nullopt;
  }
  return name;
}

std::optional<std::vector<file_entry>> parse_sync_request(std::string_view body, std::string* error) {
  auto request = parse_sync_request_since(body, error);
  if (!request) return std::nullopt;
  return std::move(request->files);
}

std::optional<sync_request> parse_sync_request_since(std::string_view body, std::string* error) {
  dom::object obj;
  if (!root_object(body, &obj, error)) return std::nullopt;
  sync_request out;
  if (!read_entry_array(obj, "files", &out.files, error)) return std::nullopt;
  auto since = obj["since"];
  if (since.error() != simdjson::NO_SUCH_FIELD && !since.is_null()) {
    uint64_t v;
    if (since.get(v)) {
      fail(error, "field 'since' must be a non-negative integer");
      return std::nullopt;
    }
    out.since = v;
  }
  if (!read_string(obj, "hub_id", &out.hub_id, false, error)) return std::nullopt;
  if (out.since && out.hub_id.empty()) {
    fail(error, "'since' needs the 'hub_id' it refers to");
    return std::nullopt;
  }
  return out;
}

std::optional<file_entry> parse_link_request(std::string_view body, std::string* error) {
  dom::object obj;
  if (!root_object(body, &obj, error)) return std::nullopt;
  file_entry e;
  if (!read_string(obj, "sha256", &e.sha256, true, error)) return std::nullopt;
  if (!read_uint(obj, "size", &e.size, false, error)) return std::nullopt;
  if (!read_int(obj, "mtime", &e.mtime_ns, false, error)) return std::nullopt;
  if (!read_version(obj, "version", &e.version, error)) return std::nullopt;
  return e;
}

std::optional<std::string> parse_register_reply(std::string_view body, std::string* error) {
  dom::object obj;
  if (!root_object(body, &obj, error)) return std::nullopt;
  std::string id;
  if (!read_string(obj, "client_id", &id, true, error)) return std::nullopt;
  return id;
}

std::optional<sync_plan> parse_sync_plan(std::string_view body, std::string* error) {
  dom::object obj;
  if (!root_object(body, &obj, error)) return std::nullopt;
  sync_plan plan;
  if (!read_string_array(obj, "upload", &plan.upload, error)) return std::nullopt;
  if (!read_entry_array(obj, "download", &plan.download, error)) return std::nullopt;
  if (!read_entry_array(obj, "delete", &plan.remove, error)) return std::nullopt;
  if (!read_string_array(obj, "conflicts", &plan.conflicts, error)) return std::nullopt;
  if (!read_string(obj, "hub_id", &plan.hub_id, false, error)) return std::nullopt;
  if (!read_uint(obj, "sequence", &plan.sequence, false, error)) return std::nullopt;
  if (!read_bool(obj, "incremental", &plan.incremental, error)) return std::nullopt;
  return plan;
}

std::optional<hub_change> parse_change_reply(std::string_view body, std::string* error) {
  dom::element root;
  if (!parse_document(body, &root, error)) return std::nullopt;
  hub_change change;
  if (!read_entry(root, &change.entry, true, error)) return std::nullopt;
  dom::object obj;
  if (root.get(obj)) return std::nullopt;
  if (!read_string(obj, "result", &change.kind, true, error)) return std::nullopt;
  return change;
}

std::optional<std::vector<file_entry>> parse_entry_list(std::string_view body, std::string_view key,
                                                        std::string* error) {
  dom::object obj;
  if (!root_object(body, &obj, error)) return std::nullopt;
  std::vector<file_entry> entries;
  if (!read_entry_array(obj, std::string(key).c_str(), &entries, error)) return std::nullopt;
  return entries;
}

}  // namespace syncer::json
