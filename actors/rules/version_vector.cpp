#include "actors/rules/version_vector.h"

#include <charconv>

namespace syncer {

const char* to_string(version_order order) {
  switch (order) {
    case version_order::equal: return "equal";
    case version_order::before: return "before";
    case version_order::after: return "after";
    case version_order::concurrent: return "concurrent";
  }
  return "?";
}

uint64_t version_vector::get(const std::string& client_id) const {
  auto it = counters_.find(client_id);
  return it == counters_.end() ? 0 : it->second;
}

void version_vector::set(const std::string& client_id, uint64_t counter) {
  if (counter == 0)
    counters_.erase(client_id);
  else
    counters_[client_id] = counter;
}

void version_vector::increment(const std::string& client_id) {
  // Saturates: a counter at the maximum (only a peer can send one) must not
  // wrap to 0, which would store a zero counter and order the edit before
  // its own ancestor.
  auto& counter = counters_[client_id];
  if (counter != UINT64_MAX) ++counter;
}

void version_vector::merge(const version_vector& other) {
  for (const auto& [id, counter] : other.counters_) {
    auto& mine = counters_[id];
    if (counter > mine) mine = counter;
  }
}

version_order version_vector::compare(const version_vector& other) const {
  bool some_greater = false;  // *this has an entry the other has not seen
  bool some_less = false;     // the other has an entry *this has not seen
  auto a = counters_.begin();
  auto b = other.counters_.begin();
  while (a != counters_.end() || b != other.counters_.end()) {
    if (b == other.counters_.end() || (a != counters_.end() && a->first < b->first)) {
      some_greater = true;
      ++a;
    } else if (a == counters_.end() || b->first < a->first) {
      some_less = true;
      ++b;
    } else {
      if (a->second > b->second) some_greater = true;
      if (a->second < b->second) some_less = true;
      ++a;
      ++b;
    }
  }
  if (some_greater && some_less) return version_order::concurrent;
  if (some_greater) return version_order::after;
  if (some_less) return version_order::before;
  return version_order::equal;
}

std::string version_vector::to_string() const {
  std::string out;
  for (const auto& [id, counter] : counters_) {
    if (!out.empty()) out += ',';
    out += id;
    out += ':';
    out += std::to_string(counter);
  }
  return out;
}

std::optional<version_vector> version_vector::parse(std::string_view text) {
  version_vector result;
  while (!text.empty()) {
    auto comma = text.find(',');
    auto item = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    if (comma != std::string_view::npos && text.empty()) return std::nullopt;  // trailing comma
    auto colon = item.rfind(':');
    if (colon == std::string_view::npos || colon == 0) return std::nullopt;
    auto id = item.substr(0, colon);
    auto digits = item.substr(colon + 1);
    uint64_t counter = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), counter);
    if (ec != std::errc{} || end != digits.data() + digits.size() || digits.empty()) return std::nullopt;
    if (id.find_first_of(",: ") != std::string_view::npos) return std::nullopt;
    result.set(std::string(id), counter);
  }
  return result;
}

}  // namespace syncer
