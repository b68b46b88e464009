// Block lists of block deltas as numbers and as text: which blocks of a
// file differ, how many bytes they hold, the "0-3,17" list that names them
// on the wire and the hex list of block checksums. Pure: standard library
// only (the file work is storage/block_delta.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace syncer {

// Number of blocks of a file of `size` bytes.
inline uint64_t block_count(uint64_t size, uint64_t block_size) { return (size + block_size - 1) / block_size; }

// Indexes of the blocks of `now` that the receiver cannot take from
// `base` at the same index: those whose checksum differs, and all past
// the end of base.
std::vector<uint64_t> changed_blocks(const std::vector<uint64_t>& now, const std::vector<uint64_t>& base);

// Bytes the listed blocks of a `size`-byte file hold (the last block may
// be short).
uint64_t literal_bytes(const std::vector<uint64_t>& blocks, uint64_t size, uint64_t block_size);

// A plain decimal count: 1-19 ASCII digits, nothing else (no sign, no
// spaces), so it always fits in 64 bits. Block lists and delta headers.
bool parse_decimal(std::string_view text, uint64_t* out);

// "0-3,17,20-21" <-> {0,1,2,3,17,20,21}. Parsing checks the list is
// strictly increasing and every index is below `count`.
std::string format_block_list(const std::vector<uint64_t>& blocks);
std::optional<std::vector<uint64_t>> parse_block_list(std::string_view text, uint64_t count, std::string* error);

// 16 lowercase hex digits per checksum, concatenated (compact in JSON).
std::string checksums_hex(const std::vector<uint64_t>& sums);
std::optional<std::vector<uint64_t>> parse_checksums_hex(std::string_view hex);

}  // namespace syncer
