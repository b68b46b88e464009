// Internal to net/*.cpp: the body size limit that means "no limit" for
// Beast parsers (server and hub client alike).
#pragma once

#include <cstdint>

namespace syncer {

// Beast 1.74 compares the body size with the optional limit even when the
// limit is boost::none (and "none" compares smaller than any size), so
// "no limit" must be spelled as the largest value.
constexpr uint64_t unlimited_body = ~uint64_t{0};

// What a client reads from a hub is bounded, so a broken or hostile hub
// cannot make it hold or write without end (docs/security.md):
//   answers read into memory (plans, batch answers, lists): 512 MiB, twice
//   the hub's default max_json_bytes;
//   error bodies: 1 MiB;
//   a downloaded file: 64 GiB, the hub's default max_upload_bytes.
constexpr uint64_t max_answer_bytes = 512ull << 20;
constexpr uint64_t max_error_body_bytes = 1ull << 20;
constexpr uint64_t max_download_bytes = 64ull << 30;

}  // namespace syncer
