// Retention (actors/rules/retention.h) with an injected clock: Syncthing's
// staggered slots, simple keep-N, forever, the trash, tombstone expiry;
// restore planning (restore_rules.h) and --at times (time_point.h).
#include <gtest/gtest.h>

#include <algorithm>

#include "actors/rules/restore_rules.h"
#include "actors/rules/retention.h"
#include "actors/rules/time_point.h"

using namespace syncer;

namespace {

constexpr int64_t S = 1'000'000'000;
constexpr int64_t H = 3600 * S;
constexpr int64_t D = 24 * H;
const int64_t now = 1000 * D;

// Versions recorded at `now - ages[i]` (oldest first); ids 1..n.
std::vector<version_stamp> at_ages(std::vector<int64_t> ages, bool current_deleted = false) {
  std::vector<version_stamp> out;
  int64_t id = 1;
  for (auto a : ages) out.push_back({id++, now - a, false});
  if (current_deleted) out.back().deleted = true;
  return out;
}

std::vector<int64_t> kept(const retention_policy& p, const std::vector<version_stamp>& v) {
  auto drop = versions_to_drop(p, v, now);
  std::vector<int64_t> out;
  for (const auto& x : v)
    if (std::find(drop.begin(), drop.end(), x.id) == drop.end()) out.push_back(x.id);
  return out;
}

}  // namespace

TEST(Retention, ForeverKeepsEverything) {
  retention_policy p;
  p.policy = retention_policy::kind::forever;
  EXPECT_EQ(kept(p, at_ages({900 * D, 400 * D, 10, 0}, true)), (std::vector<int64_t>{1, 2, 3, 4}));
}

struct SimpleCase {
  uint64_t keep;
  size_t versions;
  std::vector<int64_t> kept;
};

TEST(Retention, SimpleKeepsTheNewestN) {
  for (const auto& c : std::vector<SimpleCase>{{2, 6, {5, 6}}, {1, 3, {3}}, {5, 3, {1, 2, 3}}, {2, 1, {1}}}) {
    retention_policy p;
    p.policy = retention_policy::kind::simple;
    p.keep = c.keep;
    std::vector<int64_t> ages;
    for (size_t i = 0; i < c.versions; ++i) ages.push_back(static_cast<int64_t>(c.versions - i) * S);
    EXPECT_EQ(kept(p, at_ages(ages)), c.kept) << "keep " << c.keep << " of " << c.versions;
  }
}

TEST(Retention, StaggeredFirstHourOnePer30Seconds) {
  retention_policy p;  // staggered by default
  // Versions every 10 s for the last two minutes: a version's age is when
  // the next one replaced it, so ids 1..12 were replaced 110 s .. 0 s ago.
  std::vector<int64_t> ages;
  for (int i = 12; i >= 1; --i) ages.push_back(i * 10 * S);
  auto k = kept(p, at_ages(ages));
  // The oldest replaced (110 s) stays; then one per >= 30 s; the current (12) always.
  EXPECT_EQ(k, (std::vector<int64_t>{1, 4, 7, 10, 12}));
}

TEST(Retention, StaggeredOlderSlots) {
  retention_policy p;
  // Replaced 10 h, 9.5 h, 9 h, 2 h ago (one per hour within a day), then current.
  auto k = kept(p, at_ages({11 * H, 10 * H, 19 * H / 2, 9 * H, 2 * H, 0}));
  // id 1 replaced 10 h ago (kept, oldest); id 2 at 9.5 h (< 1 h after: dropped);
  // id 3 at 9 h (1 h after id 1: kept); id 4 at 2 h (kept); id 5 at 0 s (kept: 2 h later).
  EXPECT_EQ(k, (std::vector<int64_t>{1, 3, 4, 5, 6}));
  // Days: replaced 20 d, 19.5 d, 19 d ago -> one per day.
  k = kept(p, at_ages({21 * D, 20 * D, 39 * D / 2, 19 * D, 0}));
  EXPECT_EQ(k, (std::vector<int64_t>{1, 3, 4, 5}));
}

TEST(Retention, StaggeredDropsPastMaxAge) {
  retention_policy p;
  p.max_age_ns = 100 * D;
  auto k = kept(p, at_ages({300 * D, 200 * D, 50 * D, 0}));
  // id 1 replaced 200 d ago and id 2 replaced 50 d... id 1 past max age.
  EXPECT_EQ(k, (std::vector<int64_t>{2, 3, 4}));
}

TEST(Retention, DeletedFileKeepsHistoryForTrashThenOnlyTheTombstone) {
  retention_policy p;
  p.policy = retention_policy::kind::simple;
  p.keep = 10;
  p.trash_ns = 30 * D;
  EXPECT_EQ(kept(p, at_ages({40 * D, 35 * D, 29 * D}, true)), (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(kept(p, at_ages({40 * D, 35 * D, 31 * D}, true)), (std::vector<int64_t>{3}));
}

TEST(Retention, TombstoneExpiresOnlyAfterTrashAndEveryClientSyncPoint) {
  retention_policy p;
  p.trash_ns = 2 * S;
  EXPECT_FALSE(tombstone_expired(p, now - S, 10, 100, now));           // trash not elapsed
  EXPECT_FALSE(tombstone_expired(p, now - 3 * S, 10, 9, now));         // a client has not seen it
  EXPECT_FALSE(tombstone_expired(p, now - 3 * S, 10, std::nullopt, now));  // a client never synced
  EXPECT_TRUE(tombstone_expired(p, now - 3 * S, 10, 10, now));
  p.policy = retention_policy::kind::forever;
  EXPECT_FALSE(tombstone_expired(p, now - 300 * D, 10, 100, now));
}

TEST(Retention, PolicyNames) {
  EXPECT_EQ(parse_retention_kind("simple"), retention_policy::kind::simple);
  EXPECT_FALSE(parse_retention_kind("Simple"));
  EXPECT_STREQ(to_string(retention_policy::kind::staggered), "staggered");
}

namespace {
file_entry fe(const std::string& path, const std::string& sha, bool deleted = false, bool dir = false) {
  file_entry e;
  e.path = path;
  e.sha256 = sha;
  e.size = sha.size();
  e.deleted = deleted;
  e.is_dir = dir;
  return e;
}
}  // namespace

TEST(RestorePlan, BringsBackDeletedAndChangedLeavesNewerAlone) {
  std::vector<file_entry> then{fe("d", "", false, true), fe("d/a", "aa"), fe("d/b", "bb"), fe("d/c", "cc"),
                               fe("d/gone", "", true)};
  std::vector<file_entry> now{fe("d", "", true, true), fe("d/a", "", true), fe("d/b", "bX"), fe("d/c", "cc"),
                              fe("d/gone", "zz"), fe("d/new", "nn")};
  auto plan = plan_restore(then, now);
  ASSERT_EQ(plan.restore.size(), 3u);
  EXPECT_EQ(plan.restore[0].path, "d");  // folders first
  EXPECT_EQ(plan.restore[1].path, "d/a");
  EXPECT_EQ(plan.restore[2].path, "d/b");
  EXPECT_EQ(plan.unchanged, (std::vector<std::string>{"d/c"}));
  EXPECT_EQ(plan.left_alone, (std::vector<std::string>{"d/gone", "d/new"}));
}

TEST(TimePoint, RelativeAndIso) {
  int64_t base = days_from_civil(2026, 12, 1) * 86400 * S;
  EXPECT_EQ(parse_time_point("2h", base)->ns, base - 2 * H);
  EXPECT_EQ(parse_time_point("3d", base)->ns, base - 3 * D);
  EXPECT_FALSE(parse_time_point("3600", base));  // a bare number is ambiguous
  EXPECT_EQ(parse_time_point("2026-12-01T00:00:00Z", 0)->ns, base);
  EXPECT_EQ(parse_time_point("2026-12-01T01:30:00+01:30", 0)->ns, base);
  EXPECT_EQ(parse_time_point("2026-12-01 00:00:01.5Z", 0)->ns, base + S + S / 2);
  auto local = parse_time_point("2026-12-01T00:00", 0);
  ASSERT_TRUE(local);
  EXPECT_FALSE(local->has_offset);
  EXPECT_EQ(local->ns, base);
  EXPECT_EQ(parse_time_point("2026-12-01", 0)->ns, base);
  for (auto bad : {"", "yesterday", "2026-13-01", "2026-12-01T25:00", "2026-12-01T00:00Zjunk", "-2h"})
    EXPECT_FALSE(parse_time_point(bad, base)) << bad;
  EXPECT_EQ(format_utc(base + 3 * H + 4 * 60 * S + 5 * S), "2026-12-01T03:04:05Z");
}

