#include "actors/rules/retention.h"

namespace syncer {
namespace {

constexpr int64_t second = 1'000'000'000;

struct slot_interval {
  int64_t step;  // one version per step...
  int64_t end;   // ...for versions younger than this
};

// Syncthing's staggered intervals; the last one ends at max_age.
std::vector<slot_interval> staggered_intervals(int64_t max_age_ns) {
  return {{30 * second, 3600 * second},
          {3600 * second, 86400 * second},
          {86400 * second, 30 * 86400 * second},
          {7 * 86400 * second, max_age_ns}};
}

}  // namespace

const char* to_string(retention_policy::kind kind) {
  switch (kind) {
    case retention_policy::kind::staggered: return "staggered";
    case retention_policy::kind::simple: return "simple";
    case retention_policy::kind::forever: return "forever";
  }
  return "staggered";
}

std::optional<retention_policy::kind> parse_retention_kind(std::string_view text) {
  if (text == "staggered") return retention_policy::kind::staggered;
  if (text == "simple") return retention_policy::kind::simple;
  if (text == "forever") return retention_policy::kind::forever;
  return std::nullopt;
}

std::vector<int64_t> versions_to_drop(const retention_policy& policy, const std::vector<version_stamp>& versions,
                                      int64_t now_ns) {
  std::vector<int64_t> drop;
  if (versions.size() < 2 || policy.policy == retention_policy::kind::forever) return drop;
  const auto& current = versions.back();
  size_t older = versions.size() - 1;
  // A deleted file past its trash time: only the tombstone stays.
  if (current.deleted && now_ns - current.recorded_ns >= policy.trash_ns) {
    for (size_t i = 0; i < older; ++i) drop.push_back(versions[i].id);
    return drop;
  }
  switch (policy.policy) {
    case retention_policy::kind::forever:  // handled above
      return drop;
    case retention_policy::kind::simple: {
      uint64_t keep = policy.keep < 1 ? 1 : policy.keep;
      if (versions.size() <= keep) return drop;
      for (size_t i = 0; i < versions.size() - keep; ++i) drop.push_back(versions[i].id);
      return drop;
    }
    case retention_policy::kind::staggered: {
      auto intervals = staggered_intervals(policy.max_age_ns);
      // Oldest first, as Syncthing walks them: the oldest one within
      // max_age is kept, each later one only when it is at least its
      // interval's step younger than the last one kept.
      bool first = true;
      int64_t previous_age = 0;
      for (size_t i = 0; i < older; ++i) {
        int64_t replaced_ns = versions[i + 1].recorded_ns;  // when it stopped being current
        int64_t age = now_ns - replaced_ns;
        if (age < 0) age = 0;
        if (age > policy.max_age_ns) {
          drop.push_back(versions[i].id);
          continue;
        }
        if (first) {
          first = false;
          previous_age = age;
          continue;
        }
        slot_interval used = intervals.back();
        for (const auto& iv : intervals)
          if (age < iv.end) {
            used = iv;
            break;
          }
        if (previous_age - age < used.step) {
          drop.push_back(versions[i].id);
          continue;
        }
        previous_age = age;
      }
      return drop;
    }
  }
  return drop;
}

bool tombstone_expired(const retention_policy& policy, int64_t deleted_ns, uint64_t sequence,
                       std::optional<uint64_t> oldest_client_sync_point, int64_t now_ns) {
  if (policy.policy == retention_policy::kind::forever) return false;
  if (now_ns - deleted_ns < policy.trash_ns) return false;
  return oldest_client_sync_point && *oldest_client_sync_point >= sequence;
}

}  // namespace syncer
