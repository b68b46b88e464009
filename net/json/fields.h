// Internal to net/json/*.cpp: the writer pieces several codecs share
// (implemented in writer.cpp). Not part of the public net/json.h.
#pragma once

#include <string>

#include "actors/messages.h"

namespace syncer::json::detail {

// A version vector as {"id":3,...}, appended to `out`.
void append_version_json(std::string& out, const version_vector& v);
// The fields of a file entry without the braces ("path":...,"sequence":N).
// Events use "type" for the event kind, so there the entry kind is
// written as "is_dir" instead (with_type = false).
void append_entry_fields(std::string& out, const file_entry& e, bool with_type = true);

}  // namespace syncer::json::detail
