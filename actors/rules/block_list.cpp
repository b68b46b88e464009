#include "actors/rules/block_list.h"

#include <algorithm>
#include <cstdio>

namespace syncer {

std::vector<uint64_t> changed_blocks(const std::vector<uint64_t>& now, const std::vector<uint64_t>& base) {
  std::vector<uint64_t> out;
  for (uint64_t i = 0; i < now.size(); ++i)
    if (i >= base.size() || now[i] != base[i]) out.push_back(i);
  return out;
}

uint64_t literal_bytes(const std::vector<uint64_t>& blocks, uint64_t size, uint64_t block_size) {
  uint64_t total = 0;
  for (auto i : blocks) {
    uint64_t start = i * block_size;
    if (start >= size) continue;
    total += std::min(block_size, size - start);
  }
  return total;
}

std::string format_block_list(const std::vector<uint64_t>& blocks) {
  std::string out;
  for (size_t i = 0; i < blocks.size();) {
    size_t j = i;
    while (j + 1 < blocks.size() && blocks[j + 1] == blocks[j] + 1) ++j;
    if (!out.empty()) out += ',';
    out += std::to_string(blocks[i]);
    if (j > i) out += '-' + std::to_string(blocks[j]);
    i = j + 1;
  }
  return out;
}

bool parse_decimal(std::string_view text, uint64_t* out) {
  if (text.empty() || text.size() > 19) return false;
  uint64_t n = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  *out = n;
  return true;
}

std::optional<std::vector<uint64_t>> parse_block_list(std::string_view text, uint64_t count, std::string* error) {
  std::vector<uint64_t> out;
  if (text.empty()) return out;
  size_t at = 0;
  while (at <= text.size()) {
    auto comma = text.find(',', at);
    auto item = text.substr(at, comma == std::string_view::npos ? std::string_view::npos : comma - at);
    auto dash = item.find('-');
    uint64_t first = 0, last = 0;
    bool ok = dash == std::string_view::npos
                  ? parse_decimal(item, &first) && parse_decimal(item, &last)
                  : parse_decimal(item.substr(0, dash), &first) && parse_decimal(item.substr(dash + 1), &last);
    if (!ok || last < first) {
      *error = "block list must look like '0-3,17' (got '" + std::string(item) + "')";
      return std::nullopt;
    }
    if (last >= count) {
      *error = "block " + std::to_string(last) + " is past the end of the file (" + std::to_string(count) + " blocks)";
      return std::nullopt;
    }
    if (!out.empty() && first <= out.back()) {
      *error = "block list must be strictly increasing";
      return std::nullopt;
    }
    for (uint64_t i = first; i <= last; ++i) out.push_back(i);
    if (comma == std::string_view::npos) break;
    at = comma + 1;
  }
  return out;
}

std::string checksums_hex(const std::vector<uint64_t>& sums) {
  static const char digits[] = "0123456789abcdef";
  std::string out(sums.size() * 16, '0');
  for (size_t i = 0; i < sums.size(); ++i)
    for (int k = 0; k < 16; ++k) out[i * 16 + k] = digits[(sums[i] >> (60 - 4 * k)) & 0xf];
  return out;
}

std::optional<std::vector<uint64_t>> parse_checksums_hex(std::string_view hex) {
  if (hex.size() % 16 != 0) return std::nullopt;
  std::vector<uint64_t> out(hex.size() / 16);
  for (size_t i = 0; i < out.size(); ++i) {
    uint64_t v = 0;
    for (int k = 0; k < 16; ++k) {
      char c = hex[i * 16 + k];
      int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
      if (d < 0) return std::nullopt;
      v = (v << 4) | static_cast<uint64_t>(d);
    }
    out[i] = v;
  }
  return out;
}

}  // namespace syncer
