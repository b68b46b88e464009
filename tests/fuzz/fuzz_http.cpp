// HTTP request targets and headers as the hub's edge handles them
// (net/server/). Some of the edge's helpers (the Range parser,
// change_headers) are private to its sessions, so this target
// drives the public functions they are built on, with the values the edge
// hands them: the raw input is parsed as an HTTP/1.1 request head by
// Beast's request parser (as the edge reads it, 64 KiB header limit), then
//   - the target is split into path and query by split_target, and
//     every query key and value is percent-decoded (percent_decode);
//   - the path suffix after "/<endpoint>/" (GET /download/{path},
//     /history/{path}, DELETE /files/{path}, WS /ws/{id}) and the "path"
//     query value go through percent_decode, normalize_sync_path and
//     is_internal_path, as the edge's sync_path does;
//   - X-Version goes to version_vector::parse, X-Delta-Block-Size and
//     X-Delta-Size to parse_decimal, X-Delta-Literal to parse_block_list
//     with the block count they give (sizes up to the hub's default
//     max_upload_bytes, 64 GiB, as the edge checks first).
// Properties: no crash, no sanitizer report; normalised paths are fixed
// points of normalize_sync_path; a parsed X-Version round-trips.
#include <string>

#include <boost/beast/http.hpp>

#include "actors/rules/path_rules.h"
#include "actors/rules/version_vector.h"
#include "net/server/request_parts.h"
#include "storage/block_delta.h"
#include "tests/fuzz/fuzz_util.h"

using namespace syncer;
namespace http = boost::beast::http;

namespace {

void sync_path(std::string_view raw, bool encoded) {
  std::optional<std::string> decoded = encoded ? percent_decode(raw) : std::optional<std::string>(std::string(raw));
  if (!decoded) return;
  std::string error;
  auto normal = normalize_sync_path(*decoded, &error);
  if (!normal) return;
  auto again = normalize_sync_path(*normal, &error);
  FUZZ_CHECK(again && *again == *normal);
  (void)is_internal_path(*normal);
}

// The target as the edge splits it (net/server/request_parts.h), then
// every path and path-valued query parameter checked as the routes do.
void target(std::string_view t) {
  auto parts = edge::split_target(t);
  std::string_view path = parts.path;
  // "/download/a%20b" -> "a%20b"
  if (path.size() > 1 && path[0] == '/') {
    auto slash = path.find('/', 1);
    if (slash != std::string_view::npos) sync_path(path.substr(slash + 1), true);
  }
  if (!parts.ok) return;  // the edge answers 400
  for (const char* key : {"path", "from", "to"})
    if (auto it = parts.query.find(key); it != parts.query.end()) sync_path(it->second, false);
  for (const auto& [key, value] : parts.query) FUZZ_CHECK(key.find('&') == std::string::npos);
  (void)edge::valid_client_id(std::string(path));
}

template <class Fields>
void headers(const Fields& h) {
  auto version = h["X-Version"];
  if (!version.empty()) {
    auto v = version_vector::parse(std::string_view(version.data(), version.size()));
    if (v) {
      auto back = version_vector::parse(v->to_string());
      FUZZ_CHECK(back && *back == *v);
    }
  }
  uint64_t block_size = 0, size = 0;
  auto bs = h["X-Delta-Block-Size"];
  auto sz = h["X-Delta-Size"];
  if (!parse_decimal(std::string_view(bs.data(), bs.size()), &block_size) || block_size < 4096 ||
      block_size > (16u << 20))
    return;
  if (!parse_decimal(std::string_view(sz.data(), sz.size()), &size) || size > (64ull << 30)) return;
  auto literal = h["X-Delta-Literal"];
  std::string error;
  auto blocks = parse_block_list(std::string_view(literal.data(), literal.size()), block_count(size, block_size), &error);
  if (blocks) FUZZ_CHECK(literal_bytes(*blocks, size, block_size) <= size);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  http::request_parser<http::empty_body> parser;
  parser.header_limit(64 * 1024);
  parser.eager(false);
  boost::beast::error_code ec;
  auto left = boost::asio::const_buffer(data, size);
  // put() may want more than one call for the head (it consumes what it
  // can and stops at the end of the head).
  while (left.size() > 0 && !parser.is_header_done()) {
    auto n = parser.put(left, ec);
    if (ec || n == 0) break;
    left += n;
  }
  if (!parser.is_header_done()) return 0;
  const auto& req = parser.get();
  auto t = req.target();
  target(std::string_view(t.data(), t.size()));
  headers(req);
  return 0;
}
