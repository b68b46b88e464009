// JSON codecs of block deltas (storage/block_delta.h). GET /blocks answers
// {"sha256","size","block_size","checksums":"<16 hex digits per block>"};
// GET /delta answers a first line {"sha256","size","block_size","literal":"0-3,17"}
// then the bytes of the literal blocks. Parse functions return nullopt and
// one sentence in `error` on bad input (including a checksum list whose
// length does not match size/block_size, or a zero block size).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace syncer::json {

struct blocks_reply {
  std::string sha256;
  uint64_t size = 0;
  uint64_t block_size = 0;
  std::vector<uint64_t> checksums;
};
std::string blocks_reply_json(const blocks_reply& r);
std::optional<blocks_reply> parse_blocks_reply(std::string_view body, std::string* error);
struct delta_header {
  std::string sha256;
  uint64_t size = 0;
  uint64_t block_size = 0;
  std::string literal;  // block list, "0-3,17"
};
std::string delta_header_json(const delta_header& h);
std::optional<delta_header> parse_delta_header(std::string_view line, std::string* error);

}  // namespace syncer::json
