// Retention of the hub's history (BRIEF §6), as pure functions of one
// path's versions and a clock the caller gives (no I/O, no clock of its
// own, so tests inject time).
//
//   staggered (default): Syncthing's staggered versioning. A version's age
//     is counted from when it stopped being current (the next version's
//     recording time). Within the first hour at most one version per 30 s,
//     within a day one per hour, within 30 days one per day, then one per
//     week up to max_age (default 365 d); older ones go.
//   simple: the newest `keep` versions of each path (the current included).
//   forever: nothing is dropped, deleted files and tombstones included.
//
// Otherwise: the current version (the newest row) is always
// kept; a path whose current version is a tombstone keeps its history for
// `trash` (default 30 d) after the deletion, and then loses every version
// but the tombstone itself. The tombstone goes only when
// tombstone_expired() says so.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace syncer {

struct retention_policy {
  enum class kind { staggered, simple, forever };
  kind policy = kind::staggered;
  uint64_t keep = 5;                                    // simple
  int64_t max_age_ns = 365LL * 86'400'000'000'000;      // staggered
  int64_t trash_ns = 30LL * 86'400'000'000'000;         // deleted files
  int64_t sync_log_max_age_ns = 30LL * 86'400'000'000'000;
};

const char* to_string(retention_policy::kind kind);
std::optional<retention_policy::kind> parse_retention_kind(std::string_view text);

// One stored version as retention sees it.
struct version_stamp {
  int64_t id = 0;           // the row (what the caller deletes)
  int64_t recorded_ns = 0;  // when the hub recorded it
  bool deleted = false;
};

// `versions`: every stored version of one path, oldest first (the last is
// the current one). Returns the ids to drop, in the order given.
std::vector<int64_t> versions_to_drop(const retention_policy& policy, const std::vector<version_stamp>& versions,
                                      int64_t now_ns);

// A tombstone (recorded at `deleted_ns`, sequence `sequence`) may leave the
// database once `trash` has elapsed and every known client has synced past
// it (`oldest_client_sync_point`: the smallest sync point over every known
// client; nullopt when some client's is unknown, which keeps every
// tombstone).
bool tombstone_expired(const retention_policy& policy, int64_t deleted_ns, uint64_t sequence,
                       std::optional<uint64_t> oldest_client_sync_point, int64_t now_ns);

}  // namespace syncer
