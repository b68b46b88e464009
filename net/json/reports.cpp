// GET /inspect actor states, GET /conflicts records and {"error"} bodies
// (see net/json/reports.h).
#include "net/json/reports.h"

#include "net/json/reader.h"
#include "net/json/writer.h"

namespace syncer::json {
using namespace detail;

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

std::optional<std::vector<device_row>> parse_devices(std::string_view body, bool single, std::string* error) {
  dom::object obj;
  if (!root_object(body, &obj, error)) return std::nullopt;
  auto read_one = [](dom::object d) {
    device_row r;
    read_string(d, "id", &r.id, false, nullptr);
    read_string(d, "name", &r.name, false, nullptr);
    read_string(d, "state", &r.state, false, nullptr);
    read_int(d, "first_seen_ns", &r.first_seen_ns, false, nullptr);
    read_int(d, "last_seen_ns", &r.last_seen_ns, false, nullptr);
    read_string(d, "address", &r.address, false, nullptr);
    return r;
  };
  if (single) return std::vector<device_row>{read_one(obj)};
  dom::array arr;
  if (obj["devices"].get(arr)) {
    fail(error, "missing field 'devices'");
    return std::nullopt;
  }
  std::vector<device_row> out;
  for (auto item : arr) {
    dom::object d;
    if (!item.get(d)) out.push_back(read_one(d));
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

}  // namespace syncer::json
