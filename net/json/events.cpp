// Hub events and their WebSocket batches (see net/json/events.h).
#include "net/json/events.h"

#include "net/json/fields.h"
#include "net/json/reader.h"
#include "net/json/writer.h"

namespace syncer::json {
using namespace detail;

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

}  // namespace syncer::json
