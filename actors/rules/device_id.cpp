#include "actors/rules/device_id.h"

#include <cstring>

namespace syncer {
namespace {

constexpr const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
constexpr size_t data_chars = 52, group_chars = 13, checked_chars = 56;

int value_of(char c) {
  const char* p = std::strchr(alphabet, c);
  return c != '\0' && p ? static_cast<int>(p - alphabet) : -1;
}

std::string base32(const fingerprint& fp) {
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (uint8_t byte : fp) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(buffer >> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[(buffer << (5 - bits)) & 31];
  return out;  // 256 bits -> 52 characters
}

// The 52 data characters of a canonical ID (dashes and checks dropped).
std::string data_of(const std::string& canonical) {
  std::string flat;
  for (char c : canonical)
    if (c != '-') flat += c;
  if (flat.size() != checked_chars) return {};
  std::string data;
  for (size_t g = 0; g < 4; ++g) data += flat.substr(g * (group_chars + 1), group_chars);
  return data;
}

}  // namespace

char luhn32_check(std::string_view group) {
  int factor = 2, sum = 0;
  for (size_t i = group.size(); i-- > 0;) {
    int v = value_of(group[i]);
    if (v < 0) return '\0';
    int addend = factor * v;
    factor = factor == 2 ? 1 : 2;
    sum += addend / 32 + addend % 32;
  }
  return alphabet[(32 - sum % 32) % 32];
}

std::string device_id_from_fingerprint(const fingerprint& fp) {
  auto data = base32(fp);
  std::string checked;
  for (size_t g = 0; g < 4; ++g) {
    auto group = data.substr(g * group_chars, group_chars);
    checked += group;
    checked += luhn32_check(group);
  }
  std::string out;
  for (size_t i = 0; i < checked.size(); ++i) {
    if (i > 0 && i % 7 == 0) out += '-';
    out += checked[i];
  }
  return out;
}

std::optional<std::string> parse_device_id(std::string_view text, std::string* error) {
  std::string flat;
  for (char c : text) {
    if (c == '-' || c == ' ') continue;
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    // Look-alikes a person may type for letters the alphabet has.
    if (c == '0') c = 'O';
    if (c == '1') c = 'I';
    if (c == '8') c = 'B';
    if (value_of(c) < 0) {
      if (error) *error = "a device ID has only the letters A-Z, digits 2-7 and dashes";
      return std::nullopt;
    }
    flat += c;
  }
  if (flat.size() != checked_chars) {
    if (error) *error = "a device ID has 56 characters (8 groups of 7), this one has " + std::to_string(flat.size());
    return std::nullopt;
  }
  for (size_t g = 0; g < 4; ++g) {
    auto group = std::string_view(flat).substr(g * (group_chars + 1), group_chars);
    if (luhn32_check(group) != flat[g * (group_chars + 1) + group_chars]) {
      if (error) *error = "the device ID's check character " + std::to_string(g + 1) + " does not match: a typo?";
      return std::nullopt;
    }
  }
  std::string out;
  for (size_t i = 0; i < flat.size(); ++i) {
    if (i > 0 && i % 7 == 0) out += '-';
    out += flat[i];
  }
  return out;
}

std::string device_client_id(const std::string& device_id) {
  auto data = data_of(device_id);
  return data.size() == data_chars ? data.substr(0, 16) : std::string();
}

std::string short_device_id(const std::string& device_id) { return device_id.substr(0, 7); }

}  // namespace syncer
