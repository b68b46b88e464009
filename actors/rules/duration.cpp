#include "actors/rules/duration.h"

#include <limits>

namespace syncer {

std::optional<int64_t> parse_duration_ns(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  size_t i = 0;
  int64_t value = 0;
  constexpr int64_t max = std::numeric_limits<int64_t>::max();
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
    int digit = text[i] - '0';
    if (value > (max - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
    ++i;
  }
  if (i == 0) return std::nullopt;
  auto unit = text.substr(i);
  int64_t scale = 0;
  if (unit.empty() || unit == "s") scale = 1'000'000'000;
  else if (unit == "ms") scale = 1'000'000;
  else if (unit == "m") scale = 60'000'000'000;
  else if (unit == "h") scale = 3'600'000'000'000;
  else if (unit == "d") scale = 86'400'000'000'000;
  else if (unit == "w") scale = 7 * 86'400'000'000'000;
  else return std::nullopt;
  if (value > max / scale) return std::nullopt;
  return value * scale;
}

}  // namespace syncer
