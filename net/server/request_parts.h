// Pure parsing of the parts of a request the edge checks before routing:
// the target split into path and decoded query, and the client id rule
// (X-Client-Id, /ws/{id}). No I/O, no Beast types.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace syncer::edge {

struct target_parts {
  std::string path;                           // still percent-encoded
  std::map<std::string, std::string> query;  // decoded values
  bool ok = true;                             // false: a malformed % escape in the query
};

// "/path?a=1&b=x%20y" -> path "/path", query {a: "1", b: "x y"}; a
// repeated key keeps its last value.
target_parts split_target(std::string_view target);

// A client id as the hub issues them: 1-64 letters, digits, '-' or '_'.
bool valid_client_id(const std::string& id);

}  // namespace syncer::edge
