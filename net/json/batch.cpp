// POST /batch manifest and results, POST /objects request and sizes line
// (see net/json/batch.h).
#include "net/json/batch.h"
#include "net/status_map.h"

#include "net/json/entries.h"
#include "net/json/fields.h"
#include "net/json/reader.h"
#include "net/json/writer.h"

namespace syncer::json {
using namespace detail;

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
    out += "{\"status\":" + std::to_string(http_status_of(results[i].result.kind)) + ",";
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
    o.reply.kind = error_kind_of_http(status > 999 ? 500 : static_cast<int>(status));
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

}  // namespace syncer::json
