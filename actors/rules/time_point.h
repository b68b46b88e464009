// Points in time as `syncer restore --at` and POST /restore take them:
// relative ("90s", "2h", "3d", "1w": that long before `now_ns`) or ISO
// 8601 ("2026-12-01", "2026-12-01T23:05", "2026-12-01T23:05:30.5Z",
// "2026-12-01 23:05:30+01:00"). Pure: no clock, no time zone database.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace syncer {

struct time_point_text {
  int64_t ns = 0;           // nanoseconds since the Unix epoch
  bool has_offset = true;   // false: an ISO time without Z or an offset, read as UTC here
                            // (the CLI re-reads such a time in the local time zone)
};

std::optional<time_point_text> parse_time_point(std::string_view text, int64_t now_ns);

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d);

// "2026-12-01T23:05:30Z" (UTC, seconds precision).
std::string format_utc(int64_t ns);

}  // namespace syncer
