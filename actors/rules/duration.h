// Durations as the config files write them (BRIEF §2): a whole number
// followed by a unit, "500ms", "30s", "10m", "2h", "30d", "1w"; a bare
// number is seconds. Pure: no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace syncer {

// Nanoseconds, or nullopt for anything else (empty, negative, unknown
// unit, overflow).
std::optional<int64_t> parse_duration_ns(std::string_view text);

}  // namespace syncer
