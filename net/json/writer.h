// JSON writing primitives of net/json: string escaping, the {"error": ...}
// body every edge error answer carries, and version vectors. Writing is
// plain string building (no library); the output is always valid JSON for
// any input bytes (control characters escaped as \u00XX).
#pragma once

#include <string>
#include <string_view>

#include "actors/rules/version_vector.h"

namespace syncer::json {

// "text" with JSON escapes, including the quotes.
std::string quote(std::string_view text);
void append_quoted(std::string& out, std::string_view text);
std::string error_body(std::string_view message);  // {"error":"..."}

std::string version_json(const version_vector& v);  // {"id":3,...}

}  // namespace syncer::json
