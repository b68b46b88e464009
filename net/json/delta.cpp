// GET /blocks answers and GET /delta header lines (see net/json/delta.h).
#include "net/json/delta.h"

#include "net/json/reader.h"
#include "net/json/writer.h"
#include "actors/rules/block_list.h"

namespace syncer::json {
using namespace detail;

std::string blocks_reply_json(const blocks_reply& r) {
  return "{\"sha256\":" + quote(r.sha256) + ",\"size\":" + std::to_string(r.size) +
         ",\"block_size\":" + std::to_string(r.block_size) + ",\"checksums\":\"" + checksums_hex(r.checksums) + "\"}";
}

std::optional<blocks_reply> parse_blocks_reply(std::string_view body, std::string* error) {
  dom::object obj;
  if (!root_object(body, &obj, error)) return std::nullopt;
  blocks_reply r;
  std::string hex;
  if (!read_string(obj, "sha256", &r.sha256, true, error) || !read_uint(obj, "size", &r.size, true, error) ||
      !read_uint(obj, "block_size", &r.block_size, true, error) || !read_string(obj, "checksums", &hex, true, error))
    return std::nullopt;
  auto sums = parse_checksums_hex(hex);
  if (!sums || r.block_size == 0 || sums->size() != block_count(r.size, r.block_size))
    return fail(error, "'checksums' must hold 16 hex digits for each block"), std::nullopt;
  r.checksums = std::move(*sums);
  return r;
}

std::string delta_header_json(const delta_header& h) {
  return "{\"sha256\":" + quote(h.sha256) + ",\"size\":" + std::to_string(h.size) +
         ",\"block_size\":" + std::to_string(h.block_size) + ",\"literal\":" + quote(h.literal) + "}";
}

std::optional<delta_header> parse_delta_header(std::string_view line, std::string* error) {
  dom::object obj;
  if (!root_object(line, &obj, error)) return std::nullopt;
  delta_header h;
  if (!read_string(obj, "sha256", &h.sha256, true, error) || !read_uint(obj, "size", &h.size, true, error) ||
      !read_uint(obj, "block_size", &h.block_size, true, error) || !read_string(obj, "literal", &h.literal, true, error))
    return std::nullopt;
  if (h.block_size == 0) return fail(error, "'block_size' must be positive"), std::nullopt;
  return h;
}

}  // namespace syncer::json
