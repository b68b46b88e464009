// Internal to net/*.cpp: the body size limit that means "no limit" for
// Beast parsers (server and hub client alike).
#pragma once

#include <cstdint>

namespace syncer {

// Beast 1.74 compares the body size with the optional limit even when the
// limit is boost::none (and "none" compares smaller than any size), so
// "no limit" must be spelled as the largest value.
constexpr uint64_t unlimited_body = ~uint64_t{0};

}  // namespace syncer
