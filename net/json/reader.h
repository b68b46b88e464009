// Internal to net/json/*.cpp: the simdjson helpers every parse_* function
// is built on (simdjson stays out of the public headers). Contract: each
// helper returns false with one sentence in `error` (when not null) on a
// missing required field or a field of the wrong type; an absent optional
// field leaves `*out` untouched. Parsed documents live in a per-thread
// parser until the next parse on that thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "actors/messages.h"

namespace syncer::json::detail {
namespace dom = simdjson::dom;

// Parses `body` into the thread's parser; `*out` is valid until the next parse on this thread.
bool parse_document(std::string_view body, dom::element* out, std::string* error);
// Sets `*error` (when not null) and returns false.
bool fail(std::string* error, std::string message);

bool read_string(dom::object obj, const char* key, std::string* out, bool required, std::string* error);
bool read_uint(dom::object obj, const char* key, uint64_t* out, bool required, std::string* error);
bool read_int(dom::object obj, const char* key, int64_t* out, bool required, std::string* error);
bool read_bool(dom::object obj, const char* key, bool* out, std::string* error);
bool read_version(dom::object obj, const char* key, version_vector* out, std::string* error);
// A file entry object; `with_type` = false reads "is_dir" instead of "type" (events).
bool read_entry(dom::element el, file_entry* e, bool path_required, std::string* error, bool with_type = true);
bool read_entry_array(dom::object obj, const char* key, std::vector<file_entry>* out, std::string* error);
bool read_string_array(dom::object obj, const char* key, std::vector<std::string>* out, std::string* error);
// The document's root, which must be an object.
bool root_object(std::string_view body, dom::object* obj, std::string* error);

}  // namespace syncer::json::detail
