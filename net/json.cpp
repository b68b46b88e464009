#include "net/json.h"

#include <cstdio>

#include <simdjson.h>

#include "storage/block_delta.h"

namespace syncer::json {
namespace dom = simdjson::dom;

// ---------------------------------------------------------------- writing

void append_quoted(std::string& out, std::string_view text) {
  out.reserve(out.size() + text.size() + 2);
  out += '"';
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    switch (ch) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += ch;
        }
    }
  }
  out += '"';
}

std::string quote(std::string_view text) {
  std::string out;
  append_quoted(out, text);
  return out;
}

std::string error_body(std::string_view message) { return "{\"error\":" + quote(message) + "}"; }

void append_version_json(std::string& out, const version_vector& v) {
  out += '{';
  bool first = true;
  for (const auto& [id, counter] : v.counters()) {
    if (!first) out += ',';
    first = false;
    append_quoted(out, id);
    out += ':';
    out += std::to_string(counter);
  }
  out += '}';
}

std::string version_json(const version_vector& v) {
  std::string out;
  append_version_json(out, v);
  return out;
}

namespace {

// Events use "type" for the event kind, so there the entry kind is
// written as "is_dir" instead (with_type = false).
void append_entry_fields(std::string& out, const file_entry& e, bool with_type = true) {
  // Appended piece by piece: a full /sync body holds every entry of the
  // folder, and temporaries per field cost more than the JSON itself.
  out += "\"path\":";
  append_quoted(out, e.path);
  out += ",\"sha256\":";
  append_quoted(out, e.sha256);
  out += ",\"size\":";
  out += std::to_string(e.size);
  out += ",\"mtime\":";
  out += std::to_string(e.mtime_ns);
  out += ",\"version\":";
  append_version_json(out, e.version);
  out += e.deleted ? ",\"deleted\":true" : ",\"deleted\":false";
  if (with_type)
    out += e.is_dir ? ",\"type\":\"dir\"" : ",\"type\":\"file\"";
  else
    out += e.is_dir ? ",\"is_dir\":true" : ",\"is_dir\":false";
  out += ",\"origin\":";
  append_quoted(out, e.origin);
  out += ",\"sequence\":";
  out += std::to_string(e.sequence);
}

}  // namespace

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
  if (!r.error.empty()) out += ",\"error\":" + quote(r.error);
  out += '}';
  return out;
}

std::string event_json(const hub_event& ev) {
  const auto& e = ev.entry;
  std::string out = "{\"type\":" + quote(ev.type) + ",";
  append_entry_fields(out, e, false);
  out += '}';
  return out;
}

std::string event_batch_json(const std::vector<std::string>& event_texts) {
  size_t bytes = 32;
  for (const auto& t : event_texts) bytes += t.size() + 1;
  std::string out;
  out.reserve(bytes);
  out += "{\"type\":\"batch\",\"events\":[";
  for (size_t i = 0; i < event_texts.size(); ++i) {
    if (i) out += ',';
    out += event_texts[i];
  }
  out += "]}";
  return out;
}

std::string actor_states_json(std::string_view node_role, const std::vector<actor_state>& states) {
  std::string out = "{\"node\":" + quote(node_role) + ",\"actors\":[";
  for (size_t i = 0; i < states.size(); ++i) {
    const auto& s = states[i];
    if (i) out += ',';
    out += "{\"name\":" + quote(s.name) + ",\"counters\":{";
    bool first = true;
    for (const auto& [k, v] : s.counters) {
      if (!first) out += ',';
      first = false;
      out += quote(k) + ":" + std::to_string(v);
    }
    out += "},\"info\":{";
    first = true;
    for (const auto& [k, v] : s.info) {
      if (!first) out += ',';
      first = false;
      out += quote(k) + ":" + quote(v);
    }
    out += "}}";
  }
  return out + "]}";
}

std::string conflicts_json(const std::vector<conflict_record>& conflicts) {
  std::string out = "{\"conflicts\":[";
  for (size_t i = 0; i < conflicts.size(); ++i) {
    const auto& c = conflicts[i];
    if (i) out += ',';
    out += "{\"id\":" + std::to_string(c.id) + ",\"path\":" + quote(c.path) +
           ",\"copy_path\":" + quote(c.copy_path) + ",\"winner_origin\":" + quote(c.winner_origin) +
           ",\"loser_origin\":" + quote(c.loser_origin) +
           ",\"detected\":" + std::to_string(c.detected_ns) +
           ",\"open\":" + (c.open ? "true" : "false") + "}";
  }
  return out + "]}";
}

// ---------------------------------------------------------------- parsing

namespace {

// One parser per thread: simdjson parsers reuse their buffers.
dom::parser& thread_parser(size_t next_size) {
  thread_local dom::parser parser;
  // A parser keeps the capacity of the largest document it has seen (a full
  // /sync is MiBs); give it back once the documents are small again.
  if (parser.capacity() > (size_t{4} << 20) && next_size < (size_t{1} << 20)) parser = dom::parser{};
  return parser;
}

bool parse_document(std::string_view body, dom::element* out, std::string* error) {
  simdjson::padded_string padded(body);
  // The parser's document must outlive `out`; parse into the thread's
  // parser, whose document lives until the next parse on this thread.
  auto result = thread_parser(body.size()).parse(padded);
  if (result.error()) {
    if (error) *error = std::string("malformed JSON: ") + simdjson::error_message(result.error());
    return false;
  }
  *out = result.value_unsafe();
  return true;
}

bool fail(std::string* error, std::string message) {
  if (error) *error = std::move(message);
  return false;
}

bool read_string(dom::object obj, const char* key, std::string* out, bool required, std::string* error) {
  auto field = obj[key];
  if (field.error() == simdjson::NO_SUCH_FIELD) return required ? fail(error, std::string("missing field '") + key + "'") : true;
  std::string_view sv;
  if (field.get(sv)) {
    if (field.is_null() && !required) return true;
    return fail(error, std::string("field '") + key + "' must be a string");
  }
  *out = std::string(sv);
  return true;
}

bool read_uint(dom::object obj, const char* key, uint64_t* out, bool required, std::string* error) {
  auto field = obj[key];
  if (field.error() == simdjson::NO_SUCH_FIELD) return required ? fail(error, std::string("missing field '") + key + "'") : true;
  uint64_t v;
  if (field.get(v)) return fail(error, std::string("field '") + key + "' must be a non-negative integer");
  *out = v;
  return true;
}

bool read_int(dom::object obj, const char* key, int64_t* out, bool required, std::string* error) {
  auto field = obj[key];
  if (field.error() == simdjson::NO_SUCH_FIELD) return required ? fail(error, std::string("missing field '") + key + "'") : true;
  int64_t v;
  if (field.get(v)) return fail(error, std::string("field '") + key + "' must be an integer");
  *out = v;
  return true;
}

bool read_bool(dom::object obj, const char* key, bool* out, std::string* error) {
  auto field = obj[key];
  if (field.error() == simdjson::NO_SUCH_FIELD) return true;
  bool v;
  if (field.get(v)) return fail(error, std::string("field '") + key + "' must be true or false");
  *out = v;
  return true;
}

bool read_version(dom::object obj, const char* key, version_vector* out, std::string* error) {
  auto field = obj[key];
  if (field.error() == simdjson::NO_SUCH_FIELD) return true;
  if (field.is_null()) return true;
  dom::object vobj;
  if (field.get(vobj)) return fail(error, std::string("field '") + key + "' must be an object of counters");
  version_vector v;
  for (auto [id, value] : vobj) {
    uint64_t counter;
    if (value.get(counter)) return fail(error, "version counters must be non-negative integers");
    if (id.empty() || id.find_first_of(",: ") != std::string_view::npos)
      return fail(error, "version ids must be non-empty and contain no ',', ':' or space");
    v.set(std::string(id), counter);
  }
  *out = std::move(v);
  return true;
}

bool read_entry(dom::element el, file_entry* e, bool path_required, std::string* error, bool with_type = true) {
  dom::object obj;
  if (el.get(obj)) return fail(error, "a file entry must be a JSON object");
  if (!read_string(obj, "path", &e->path, path_required, error)) return false;
  if (!read_string(obj, "sha256", &e->sha256, false, error)) return false;
  if (!read_uint(obj, "size", &e->size, false, error)) return false;
  if (!read_int(obj, "mtime", &e->mtime_ns, false, error)) return false;
  if (!read_version(obj, "version", &e->version, error)) return false;
  if (!read_bool(obj, "deleted", &e->deleted, error)) return false;
  if (with_type) {
    std::string type = "file";
    if (!read_string(obj, "type", &type, false, error)) return false;
    if (type != "file" && type != "dir") return fail(error, "field 'type' must be \"file\" or \"dir\"");
    e->is_dir = type == "dir";
  } else if (!read_bool(obj, "is_dir", &e->is_dir, error)) {
    return false;
  }
  if (!read_string(obj, "origin", &e->origin, false, error)) return false;
  if (!read_uint(obj, "sequence", &e->sequence, false, error)) return false;
  return true;
}

bool read_entry_array(dom::object obj, const char* key, std::vector<file_entry>* out, std::string* error) {
  auto field = obj[key];
  if (field.error() == simdjson::NO_SUCH_FIELD) return fail(error, std::string("missing field '") + key + "'");
  dom::array arr;
  if (field.get(arr)) return fail(error, std::string("field '") + key + "' must be an array");
  out->reserve(arr.size());
  for (auto item : arr) {
    file_entry e;
    if (!read_entry(item, &e, true, error)) return false;
    out->push_back(std::move(e));
  }
  return true;
}

bool read_string_array(dom::object obj, const char* key, std::vector<std::string>* out, std::string* error) {
  auto field = obj[key];
  if (field.error() == simdjson::NO_SUCH_FIELD) return true;
  dom::array arr;
  if (field.get(arr)) return fail(error, std::string("field '") + key + "' must be an array");
  for (auto item : arr) {
    std::string_view sv;
    if (item.get(sv)) return fail(error, std::string("field '") + key + "' must hold strings");
    out->emplace_back(sv);
  }
  return true;
}

bool root_object(std::string_view body, dom::object* obj, std::string* error) {
  dom::element root;
  if (!parse_document(body, &root, error)) return false;
  if (root.get(*obj)) return fail(error, "the JSON body must be an object");
  return true;
}

}  // namespace

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

namespace {
bool read_event(dom::element element, hub_event* ev, std::string* error) {
  dom::object obj;
  if (element.get(obj)) return fail(error, "an event must be a JSON object");
  if (!read_string(obj, "type", &ev->type, true, error)) return false;
  if (ev->type == "file_changed" || ev->type == "file_deleted" || ev->type == "file_incoming") {
    if (!read_entry(element, &ev->entry, true, error, false)) return false;
    if (ev->type == "file_deleted") ev->entry.deleted = true;
  }
  return true;
}
}  // namespace

std::optional<hub_event> parse_event(std::string_view body, std::string* error) {
  dom::element root;
  if (!parse_document(body, &root, error)) return std::nullopt;
  hub_event ev;
  if (!read_event(root, &ev, error)) return std::nullopt;
  return ev;
}

std::optional<std::vector<hub_event>> parse_events(std::string_view body, std::string* error) {
  dom::element root;
  if (!parse_document(body, &root, error)) return std::nullopt;
  std::vector<hub_event> events;
  dom::object obj;
  std::string_view type;
  if (!root.get(obj) && !obj["type"].get(type) && type == "batch") {
    dom::array arr;
    if (obj["events"].get(arr)) {
      fail(error, "a batch needs an array 'events'");
      return std::nullopt;
    }
    for (auto element : arr) {
      hub_event ev;
      if (!read_event(element, &ev, error)) return std::nullopt;
      events.push_back(std::move(ev));
    }
    return events;
  }
  hub_event ev;
  if (!read_event(root, &ev, error)) return std::nullopt;
  events.push_back(std::move(ev));
  return events;
}

std::optional<std::vector<actor_state>> parse_actor_states(std::string_view body, std::string* error) {
  dom::object obj;
  if (!root_object(body, &obj, error)) return std::nullopt;
  dom::array arr;
  if (obj["actors"].get(arr)) {
    fail(error, "missing field 'actors'");
    return std::nullopt;
  }
  std::vector<actor_state> states;
  for (auto item : arr) {
    dom::object a;
    if (item.get(a)) continue;
    actor_state s;
    read_string(a, "name", &s.name, false, nullptr);
    dom::object counters, info;
    if (!a["counters"].get(counters))
      for (auto [k, v] : counters) {
        int64_t n = 0;
        if (!v.get(n)) s.counters[std::string(k)] = n;
      }
    if (!a["info"].get(info))
      for (auto [k, v] : info) {
        std::string_view sv;
        if (!v.get(sv)) s.info[std::string(k)] = std::string(sv);
      }
    states.push_back(std::move(s));
  }
  return states;
}

std::optional<std::vector<conflict_record>> parse_conflicts(std::string_view body, std::string* error) {
  dom::object obj;
  if (!root_object(body, &obj, error)) return std::nullopt;
  dom::array arr;
  if (obj["conflicts"].get(arr)) {
    fail(error, "missing field 'conflicts'");
    return std::nullopt;
  }
  std::vector<conflict_record> out;
  for (auto item : arr) {
    dom::object c;
    if (item.get(c)) continue;
    conflict_record r;
    read_int(c, "id", &r.id, false, nullptr);
    read_string(c, "path", &r.path, false, nullptr);
    read_string(c, "copy_path", &r.copy_path, false, nullptr);
    read_string(c, "winner_origin", &r.winner_origin, false, nullptr);
    read_string(c, "loser_origin", &r.loser_origin, false, nullptr);
    read_int(c, "detected", &r.detected_ns, false, nullptr);
    read_bool(c, "open", &r.open, nullptr);
    out.push_back(std::move(r));
  }
  return out;
}

std::string parse_error_message(std::string_view body) {
  dom::object obj;
  std::string err;
  if (root_object(body, &obj, &err)) {
    std::string message;
    if (read_string(obj, "error", &message, true, nullptr)) return message;
  }
  return std::string(body.substr(0, 200));
}

// ---------------------------------------------------------------- batches

namespace {
const char* op_name(batch_change::op_kind op) {
  switch (op) {
    case batch_change::upload: return "upload";
    case batch_change::link: return "link";
    case batch_change::mkdir: return "mkdir";
    case batch_change::remove: return "delete";
  }
  return "upload";
}
}  // namespace

std::string batch_manifest_json(const std::vector<batch_change>& changes) {
  std::string out = "{\"changes\":[";
  for (size_t i = 0; i < changes.size(); ++i) {
    if (i) out += ',';
    out += "{\"op\":";
    out += quote(op_name(changes[i].op));
    out += ',';
    append_entry_fields(out, changes[i].meta);
    out += '}';
  }
  out += "]}";
  return out;
}

std::optional<std::vector<batch_change>> parse_batch_manifest(std::string_view body, std::string* error) {
  dom::object obj;
  if (!root_object(body, &obj, error)) return std::nullopt;
  dom::array arr;
  auto field = obj["changes"];
  if (field.error() == simdjson::NO_SUCH_FIELD) return fail(error, "missing field 'changes'"), std::nullopt;
  if (field.get(arr)) return fail(error, "field 'changes' must be an array"), std::nullopt;
  std::vector<batch_change> out;
  out.reserve(arr.size());
  for (auto item : arr) {
    batch_change c;
    if (!read_entry(item, &c.meta, true, error)) return std::nullopt;
    dom::object change;
    if (item.get(change)) return fail(error, "a change must be a JSON object"), std::nullopt;
    std::string op;
    if (!read_string(change, "op", &op, true, error)) return std::nullopt;
    if (op == "upload") c.op = batch_change::upload;
    else if (op == "link") c.op = batch_change::link;
    else if (op == "mkdir") c.op = batch_change::mkdir;
    else if (op == "delete") c.op = batch_change::remove;
    else return fail(error, "field 'op' must be upload, link, mkdir or delete"), std::nullopt;
    if (c.op == batch_change::link && c.meta.sha256.empty())
      return fail(error, "a link needs the content's sha256"), std::nullopt;
    out.push_back(std::move(c));
  }
  return out;
}

std::string batch_results_json(const std::vector<change_result>& results) {
  std::string out = "{\"results\":[";
  for (size_t i = 0; i < results.size(); ++i) {
    if (i) out += ',';
    auto one = change_result_json(results[i]);
    out += "{\"status\":" + std::to_string(results[i].status) + ",";
    out.append(one, 1, std::string::npos);
  }
  out += "]}";
  return out;
}

std::optional<std::vector<batch_outcome>> parse_batch_results(std::string_view body, std::string* error) {
  dom::object obj;
  if (!root_object(body, &obj, error)) return std::nullopt;
  dom::array arr;
  if (obj["results"].get(arr)) return fail(error, "field 'results' must be an array"), std::nullopt;
  std::vector<batch_outcome> out;
  for (auto item : arr) {
    batch_outcome o;
    dom::object r;
    if (item.get(r)) return fail(error, "each result must be an object"), std::nullopt;
    uint64_t status = 0;
    if (!read_uint(r, "status", &status, true, error)) return std::nullopt;
    o.reply.status = static_cast<int>(status);
    if (!read_string(r, "error", &o.reply.error, false, error)) return std::nullopt;
    if (!read_entry(item, &o.change.entry, false, error)) return std::nullopt;
    if (!read_string(r, "result", &o.change.kind, false, error)) return std::nullopt;
    out.push_back(std::move(o));
  }
  return out;
}

std::optional<std::vector<std::string>> parse_objects_request(std::string_view body, std::string* error) {
  dom::object obj;
  if (!root_object(body, &obj, error)) return std::nullopt;
  std::vector<std::string> out;
  auto field = obj["sha256"];
  if (field.error() == simdjson::NO_SUCH_FIELD) return fail(error, "missing field 'sha256'"), std::nullopt;
  if (!read_string_array(obj, "sha256", &out, error)) return std::nullopt;
  return out;
}

std::string objects_sizes_json(const std::vector<std::optional<uint64_t>>& sizes) {
  std::string out = "{\"sizes\":[";
  for (size_t i = 0; i < sizes.size(); ++i) {
    if (i) out += ',';
    out += sizes[i] ? std::to_string(*sizes[i]) : std::string("null");
  }
  out += "]}";
  return out;
}

std::optional<std::vector<std::optional<uint64_t>>> parse_objects_sizes(std::string_view line, std::string* error) {
  dom::object obj;
  if (!root_object(line, &obj, error)) return std::nullopt;
  dom::array arr;
  if (obj["sizes"].get(arr)) return fail(error, "field 'sizes' must be an array"), std::nullopt;
  std::vector<std::optional<uint64_t>> out;
  for (auto item : arr) {
    if (item.is_null()) {
      out.push_back(std::nullopt);
      continue;
    }
    uint64_t n;
    if (item.get(n)) return fail(error, "sizes must be non-negative integers or null"), std::nullopt;
    out.push_back(n);
  }
  return out;
}

std::string blocks_reply_json(const blocks_reply& r) {
  return "{\"sha256\":" + quote(r.sha256) + ",\"size\":" + std::to_string(r.size) +
         ",\"block_size\":" + std::to_string(r.block_size) + ",\"checksums\":\"" + checksums_hex(r.checksums) + "\"}";
}

std::optional<blocks_reply> parse_blocks_reply(std::string_view body, std::string* error) {
  dom::object obj;
  if (!root_object(body, &obj, error)) return std::nullopt;
  blocks_reply r;
  std::string hex;
  if (!read_string(obj, "sha256", &r.sha256, true, error) || !read_uint(obj, "size", &r.size, true, error) ||
      !read_uint(obj, "block_size", &r.block_size, true, error) || !read_string(obj, "checksums", &hex, true, error))
    return std::nullopt;
  auto sums = parse_checksums_hex(hex);
  if (!sums || r.block_size == 0 || sums->size() != block_count(r.size, r.block_size))
    return fail(error, "'checksums' must hold 16 hex digits for each block"), std::nullopt;
  r.checksums = std::move(*sums);
  return r;
}

std::string delta_header_json(const delta_header& h) {
  return "{\"sha256\":" + quote(h.sha256) + ",\"size\":" + std::to_string(h.size) +
         ",\"block_size\":" + std::to_string(h.block_size) + ",\"literal\":" + quote(h.literal) + "}";
}

std::optional<delta_header> parse_delta_header(std::string_view line, std::string* error) {
  dom::object obj;
  if (!root_object(line, &obj, error)) return std::nullopt;
  delta_header h;
  if (!read_string(obj, "sha256", &h.sha256, true, error) || !read_uint(obj, "size", &h.size, true, error) ||
      !read_uint(obj, "block_size", &h.block_size, true, error) || !read_string(obj, "literal", &h.literal, true, error))
    return std::nullopt;
  if (h.block_size == 0) return fail(error, "'block_size' must be positive"), std::nullopt;
  return h;
}

}  // namespace syncer::json
