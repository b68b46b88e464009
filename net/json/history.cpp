// History, restore and collection codecs (see net/json/history.h).
#include "net/json/history.h"

#include "actors/rules/time_point.h"
#include "net/json/fields.h"
#include "net/json/reader.h"
#include "net/json/writer.h"

namespace syncer::json {
using namespace detail;

namespace {

std::string name_of(const history_page& page, const std::string& id) {
  auto it = page.names.find(id);
  return it == page.names.end() ? id : it->second;
}

void append_version(std::string& out, const version_record& v, const history_page& page) {
  out += '{';
  append_entry_fields(out, v.entry);
  out += ",\"recorded_ns\":" + std::to_string(v.recorded_ns) + ",\"recorded_at\":" + quote(format_utc(v.recorded_ns)) +
         ",\"origin_name\":" + quote(name_of(page, v.entry.origin)) + '}';
}

std::string strings(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? "," : "") + quote(items[i]);
  return out + "]";
}

bool read_version_record(dom::element el, version_record* v, std::string* error) {
  if (!read_entry(el, &v->entry, true, error)) return false;
  dom::object obj;
  if (el.get(obj)) return fail(error, "a version must be an object");
  return read_int(obj, "recorded_ns", &v->recorded_ns, false, error);
}

void read_names(dom::object obj, const char* id_key, const char* name_key, std::map<std::string, std::string>& names) {
  std::string_view id, name;
  if (!obj[id_key].get(id) && !obj[name_key].get(name)) names[std::string(id)] = std::string(name);
}

}  // namespace

std::string history_json(const std::string& path, const history_page& page, size_t limit) {
  std::string out = "{\"path\":" + quote(path) + ",\"versions\":[";
  for (size_t i = 0; i < page.versions.size(); ++i) {
    if (i) out += ',';
    append_version(out, page.versions[i], page);
  }
  out += "],\"next_before\":";
  out += page.versions.size() >= limit && !page.versions.empty() ? std::to_string(page.versions.back().entry.sequence)
                                                                 : std::string("null");
  return out + "}";
}

std::string trash_json(const std::string& path, const history_page& page, size_t limit) {
  std::string out = "{\"path\":" + quote(path) + ",\"deleted\":[";
  for (size_t i = 0; i < page.trash.size(); ++i) {
    const auto& t = page.trash[i];
    if (i) out += ',';
    out += "{\"path\":" + quote(t.deletion.entry.path) + ",\"sequence\":" + std::to_string(t.deletion.entry.sequence) +
           // A tombstone may not say what it deleted; its last version does.
           ",\"type\":" + ((t.last_version ? t.last_version->entry.is_dir : t.deletion.entry.is_dir) ? "\"dir\"" : "\"file\"") +
           ",\"deleted_ns\":" + std::to_string(t.deletion.recorded_ns) +
           ",\"deleted_at\":" + quote(format_utc(t.deletion.recorded_ns)) +
           ",\"deleted_by\":" + quote(t.deletion.entry.origin) +
           ",\"deleted_by_name\":" + quote(name_of(page, t.deletion.entry.origin)) + ",\"restorable\":";
    if (t.last_version) append_version(out, *t.last_version, page);
    else out += "null";
    out += '}';
  }
  out += "],\"next_after\":";
  out += page.trash.size() >= limit && !page.trash.empty() ? quote(page.trash.back().deletion.entry.path)
                                                           : std::string("null");
  return out + "}";
}

std::string restore_result_json(const restore_result& r) {
  std::string out = "{\"restored\":[";
  for (size_t i = 0; i < r.restored.size(); ++i) {
    if (i) out += ',';
    out += '{';
    append_entry_fields(out, r.restored[i]);
    out += '}';
  }
  out += "],\"unchanged\":" + strings(r.unchanged) + ",\"left_alone\":" + strings(r.left_alone) +
         ",\"failed\":" + strings(r.failed) + "}";
  return out;
}

std::string gc_report_json(const gc_report& r) {
  return "{\"versions_pruned\":" + std::to_string(r.versions_pruned) +
         ",\"objects_removed\":" + std::to_string(r.objects_removed) + ",\"bytes_freed\":" + std::to_string(r.bytes_freed) +
         ",\"tombstones_expired\":" + std::to_string(r.tombstones_expired) +
         ",\"log_rows_pruned\":" + std::to_string(r.log_rows_pruned) + ",\"slices\":" + std::to_string(r.slices) +
         ",\"duration_ms\":" + std::to_string(r.duration_ns / 1000000) +
         ",\"error\":" + (r.error.empty() ? std::string("null") : quote(r.error)) + "}";
}

std::string store_report_json(const store_report& r) {
  const auto& t = r.totals;
  return "{\"current_bytes\":" + std::to_string(t.current_bytes) + ",\"current_objects\":" + std::to_string(t.current_objects) +
         ",\"history_bytes\":" + std::to_string(t.history_bytes) + ",\"history_objects\":" + std::to_string(t.history_objects) +
         ",\"trash_bytes\":" + std::to_string(t.trash_bytes) + ",\"trash_objects\":" + std::to_string(t.trash_objects) +
         ",\"reclaimable_bytes\":" + std::to_string(r.reclaimable_bytes) +
         ",\"reclaimable_objects\":" + std::to_string(r.reclaimable_objects) + ",\"versions\":" + std::to_string(t.versions) +
         ",\"tombstones\":" + std::to_string(t.tombstones) + ",\"sync_log_rows\":" + std::to_string(t.sync_log_rows) + "}";
}

std::optional<restore_request> parse_restore_request(std::string_view body, int64_t now_ns, std::string* error) {
  dom::object obj;
  if (!root_object(body, &obj, error)) return std::nullopt;
  restore_request r;
  if (!read_string(obj, "path", &r.path, true, error)) return std::nullopt;
  bool has_sequence = obj["sequence"].error() != simdjson::NO_SUCH_FIELD;
  auto at = obj["at"];
  bool has_at = at.error() != simdjson::NO_SUCH_FIELD;
  if (has_sequence == has_at) {
    fail(error, "give exactly one of 'sequence' and 'at'");
    return std::nullopt;
  }
  if (has_sequence) {
    if (!read_uint(obj, "sequence", &r.sequence, true, error)) return std::nullopt;
    if (r.sequence == 0) {
      fail(error, "field 'sequence' must be a positive integer");
      return std::nullopt;
    }
    return r;
  }
  int64_t ns = 0;
  std::string_view text;
  if (!at.get(ns)) {
    r.at_ns = ns;
  } else if (!at.get(text)) {
    auto t = parse_time_point(text, now_ns);
    if (!t) {
      fail(error, "field 'at' must be ISO 8601 (2026-12-01T23:05:00Z) or a duration ago (2h, 3d)");
      return std::nullopt;
    }
    r.at_ns = t->ns;
  } else {
    fail(error, "field 'at' must be a string or nanoseconds since the epoch");
    return std::nullopt;
  }
  if (r.at_ns <= 0) {
    fail(error, "field 'at' must be after 1970");
    return std::nullopt;
  }
  return r;
}

std::optional<history_reply> parse_history_reply(std::string_view body, std::string* error) {
  dom::object obj;
  if (!root_object(body, &obj, error)) return std::nullopt;
  history_reply out;
  dom::array arr;
  if (!obj["versions"].get(arr)) {
    for (auto item : arr) {
      version_record v;
      if (!read_version_record(item, &v, error)) return std::nullopt;
      dom::object o;
      if (!item.get(o)) read_names(o, "origin", "origin_name", out.names);
      out.versions.push_back(std::move(v));
    }
  }
  if (!obj["deleted"].get(arr)) {
    for (auto item : arr) {
      dom::object o;
      if (item.get(o)) return fail(error, "a deleted item must be an object"), std::nullopt;
      trash_record t;
      if (!read_string(o, "path", &t.deletion.entry.path, true, error)) return std::nullopt;
      if (!read_uint(o, "sequence", &t.deletion.entry.sequence, false, error)) return std::nullopt;
      if (!read_int(o, "deleted_ns", &t.deletion.recorded_ns, false, error)) return std::nullopt;
      if (!read_string(o, "deleted_by", &t.deletion.entry.origin, false, error)) return std::nullopt;
      t.deletion.entry.deleted = true;
      read_names(o, "deleted_by", "deleted_by_name", out.names);
      dom::element restorable;
      if (!o["restorable"].get(restorable) && !restorable.is_null()) {
        version_record v;
        if (!read_version_record(restorable, &v, error)) return std::nullopt;
        t.last_version = std::move(v);
      }
      out.trash.push_back(std::move(t));
    }
  }
  uint64_t before = 0;
  if (!obj["next_before"].get(before)) out.next_before = before;
  std::string_view after;
  if (!obj["next_after"].get(after)) out.next_after = std::string(after);
  return out;
}

std::optional<restore_result> parse_restore_reply(std::string_view body, std::string* error) {
  dom::object obj;
  if (!root_object(body, &obj, error)) return std::nullopt;
  restore_result r;
  if (!read_entry_array(obj, "restored", &r.restored, error)) return std::nullopt;
  if (!read_string_array(obj, "unchanged", &r.unchanged, error)) return std::nullopt;
  if (!read_string_array(obj, "left_alone", &r.left_alone, error)) return std::nullopt;
  if (!read_string_array(obj, "failed", &r.failed, error)) return std::nullopt;
  return r;
}

std::optional<gc_report> parse_gc_report(std::string_view body, std::string* error) {
  dom::object obj;
  if (!root_object(body, &obj, error)) return std::nullopt;
  gc_report r;
  int64_t ms = 0;
  if (!read_int(obj, "versions_pruned", &r.versions_pruned, false, error) ||
      !read_int(obj, "objects_removed", &r.objects_removed, false, error) ||
      !read_int(obj, "bytes_freed", &r.bytes_freed, false, error) ||
      !read_int(obj, "tombstones_expired", &r.tombstones_expired, false, error) ||
      !read_int(obj, "log_rows_pruned", &r.log_rows_pruned, false, error) ||
      !read_int(obj, "slices", &r.slices, false, error) || !read_int(obj, "duration_ms", &ms, false, error))
    return std::nullopt;
  r.duration_ns = ms * 1000000;
  std::string_view e;
  if (!obj["error"].get(e)) r.error = std::string(e);
  return r;
}

std::optional<store_report> parse_store_report(std::string_view body, std::string* error) {
  dom::object obj;
  if (!root_object(body, &obj, error)) return std::nullopt;
  store_report r;
  auto& t = r.totals;
  if (!read_int(obj, "current_bytes", &t.current_bytes, false, error) ||
      !read_int(obj, "current_objects", &t.current_objects, false, error) ||
      !read_int(obj, "history_bytes", &t.history_bytes, false, error) ||
      !read_int(obj, "history_objects", &t.history_objects, false, error) ||
      !read_int(obj, "trash_bytes", &t.trash_bytes, false, error) ||
      !read_int(obj, "trash_objects", &t.trash_objects, false, error) ||
      !read_int(obj, "reclaimable_bytes", &r.reclaimable_bytes, false, error) ||
      !read_int(obj, "reclaimable_objects", &r.reclaimable_objects, false, error) ||
      !read_int(obj, "versions", &t.versions, false, error) || !read_int(obj, "tombstones", &t.tombstones, false, error) ||
      !read_int(obj, "sync_log_rows", &t.sync_log_rows, false, error))
    return std::nullopt;
  return r;
}

}  // namespace syncer::json
