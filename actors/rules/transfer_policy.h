// How file contents travel between a client and the hub: when a delta is
// worth it instead of the whole file, when a client offers a link (the
// content by sha256) before the bytes, and how big one answer may grow.
// Hub and client both decide with these rules, so they always agree.
// Pure: standard library only.
#pragma once

#include <cstdint>

namespace syncer {

// 128 KiB: Syncthing's smallest block; a 256 MiB file has 2,048 blocks
// and its checksum list is 32 KiB.
constexpr uint64_t delta_block_size = 128 * 1024;

// Clients use deltas for files from this size on: below it the extra
// round trip and reads cost more than sending the file.
constexpr uint64_t delta_min_file_size = 4ull << 20;

// Most literal bytes one delta carries (held in memory by both sides).
constexpr uint64_t max_delta_bytes = 32ull << 20;

// A delta whose literal blocks hold `changed_bytes` of a `file_size`-byte
// version is worth sending (or fetching) instead of the whole file: at
// most half the file, and at most max_delta_bytes.
bool delta_worth_it(uint64_t changed_bytes, uint64_t file_size);

// From this size on a client first offers the content by sha256 (a link:
// renames and copies cost no bytes) and sends the bytes only when the
// hub lacks them; smaller files travel inline in a batch at once.
constexpr uint64_t link_first_threshold = 64 * 1024;

// Most bytes of object content the hub puts in one POST /objects answer;
// the client asks again for what did not fit.
constexpr uint64_t max_objects_reply_bytes = 16ull << 20;

}  // namespace syncer
