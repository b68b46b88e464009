#include "actors/rules/time_point.h"

#include <cctype>
#include <cstdio>

#include "actors/rules/duration.h"

namespace syncer {
namespace {

// Reads exactly `n` digits at `i`.
bool digits(std::string_view s, size_t& i, size_t n, int64_t* out) {
  if (i + n > s.size()) return false;
  int64_t v = 0;
  for (size_t k = 0; k < n; ++k) {
    char c = s[i + k];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  i += n;
  *out = v;
  return true;
}

bool expect(std::string_view s, size_t& i, char c) {
  if (i < s.size() && s[i] == c) {
    ++i;
    return true;
  }
  return false;
}

std::optional<time_point_text> parse_iso(std::string_view s) {
  size_t i = 0;
  int64_t y, mo, d, h = 0, mi = 0, sec = 0, frac_ns = 0;
  if (!digits(s, i, 4, &y) || !expect(s, i, '-') || !digits(s, i, 2, &mo) || !expect(s, i, '-') ||
      !digits(s, i, 2, &d))
    return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return std::nullopt;
  time_point_text out;
  out.has_offset = false;
  if (i < s.size()) {
    if (s[i] != 'T' && s[i] != 't' && s[i] != ' ') return std::nullopt;
    ++i;
    if (!digits(s, i, 2, &h) || !expect(s, i, ':') || !digits(s, i, 2, &mi)) return std::nullopt;
    if (expect(s, i, ':')) {
      if (!digits(s, i, 2, &sec)) return std::nullopt;
      if (expect(s, i, '.') || expect(s, i, ',')) {
        int64_t scale = 100'000'000;
        size_t start = i;
        while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
          if (scale > 0) frac_ns += (s[i] - '0') * scale;
          scale /= 10;
          ++i;
        }
        if (i == start) return std::nullopt;
      }
    }
    if (h > 23 || mi > 59 || sec > 60) return std::nullopt;
    if (i < s.size()) {
      int64_t offset_min = 0;
      if (s[i] == 'Z' || s[i] == 'z') {
        ++i;
      } else if (s[i] == '+' || s[i] == '-') {
        int sign = s[i] == '-' ? -1 : 1;
        ++i;
        int64_t oh, om = 0;
        if (!digits(s, i, 2, &oh)) return std::nullopt;
        expect(s, i, ':');
        if (i < s.size() && !digits(s, i, 2, &om)) return std::nullopt;
        if (oh > 23 || om > 59) return std::nullopt;
        offset_min = sign * (oh * 60 + om);
      } else {
        return std::nullopt;
      }
      if (i != s.size()) return std::nullopt;
      out.has_offset = true;
      sec -= offset_min * 60;
    }
  }
  int64_t days = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  out.ns = ((days * 86400 + h * 3600 + mi * 60 + sec) * 1'000'000'000) + frac_ns;
  return out;
}

}  // namespace

int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

std::optional<time_point_text> parse_time_point(std::string_view text, int64_t now_ns) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  if (text.empty() || text.size() > 64) return std::nullopt;
  // Relative: a number with a unit ("2h"); a bare number is refused as ambiguous.
  if (std::isalpha(static_cast<unsigned char>(text.back())) && text.find('-') == std::string_view::npos &&
      text.find(':') == std::string_view::npos) {
    auto d = parse_duration_ns(text);
    if (!d || *d > now_ns) return std::nullopt;
    return time_point_text{now_ns - *d, true};
  }
  return parse_iso(text);
}

std::string format_utc(int64_t ns) {
  int64_t secs = ns / 1'000'000'000;
  if (ns < 0 && ns % 1'000'000'000) --secs;
  int64_t days = secs / 86400, rem = secs % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  // civil_from_days (H. Hinnant)
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lldZ", static_cast<long long>(y), m, d,
                static_cast<long long>(rem / 3600), static_cast<long long>(rem / 60 % 60),
                static_cast<long long>(rem % 60));
  return buf;
}

}  // namespace syncer
