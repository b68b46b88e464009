#include <gtest/gtest.h>

#include "actors/rules/sync_rules.h"

using namespace syncer;

namespace {

file_entry file(const std::string& path, const std::string& sha, std::initializer_list<std::pair<const char*, uint64_t>> v,
                int64_t mtime = 100) {
  file_entry e;
  e.path = path;
  e.sha256 = sha;
  e.size = sha.size();
  e.mtime_ns = mtime;
  for (auto& [id, c] : v) e.version.set(id, c);
  return e;
}

file_entry tombstone(const std::string& path, std::initializer_list<std::pair<const char*, uint64_t>> v) {
  auto e = file(path, "", v);
  e.deleted = true;
  return e;
}

}  // namespace

TEST(PlanSync, OnlyOneSideHasThePath) {
  auto plan = plan_sync({file("mine", "a", {{"c", 1}}), tombstone("gone-mine", {{"c", 2}})},
                        {file("theirs", "b", {{"d", 1}}), tombstone("gone-theirs", {{"d", 2}})});
  EXPECT_EQ(plan.upload, std::vector<std::string>{"mine"});
  ASSERT_EQ(plan.download.size(), 1u);
  EXPECT_EQ(plan.download[0].path, "theirs");
  EXPECT_TRUE(plan.remove.empty());
  EXPECT_TRUE(plan.conflicts.empty());
}

TEST(PlanSync, OrderedVersions) {
  auto plan = plan_sync({file("newer-here", "x", {{"c", 2}}), file("newer-there", "y", {{"c", 1}}),
                         file("same", "z", {{"c", 1}}), file("deleted-there", "w", {{"c", 1}})},
                        {file("newer-here", "x0", {{"c", 1}}), file("newer-there", "y2", {{"c", 1}, {"d", 1}}),
                         file("same", "z", {{"c", 1}}), tombstone("deleted-there", {{"c", 1}, {"d", 1}})});
  EXPECT_EQ(plan.upload, std::vector<std::string>{"newer-here"});
  ASSERT_EQ(plan.download.size(), 1u);
  EXPECT_EQ(plan.download[0].path, "newer-there");
  ASSERT_EQ(plan.remove.size(), 1u);
  EXPECT_EQ(plan.remove[0].path, "deleted-there");
}

TEST(PlanSync, ConcurrentEditsAreConflictsAndUploaded) {
  auto plan = plan_sync({file("f", "mine", {{"c", 2}})}, {file("f", "theirs", {{"c", 1}, {"d", 1}})});
  EXPECT_EQ(plan.conflicts, std::vector<std::string>{"f"});
  EXPECT_EQ(plan.upload, std::vector<std::string>{"f"});
}

TEST(PlanSync, EditBeatsConcurrentDelete) {
  auto mine_deleted = plan_sync({tombstone("f", {{"c", 2}})}, {file("f", "theirs", {{"c", 1}, {"d", 1}})});
  ASSERT_EQ(mine_deleted.download.size(), 1u);
  EXPECT_TRUE(mine_deleted.upload.empty());
  auto theirs_deleted = plan_sync({file("f", "mine", {{"c", 2}})}, {tombstone("f", {{"c", 1}, {"d", 1}})});
  EXPECT_EQ(theirs_deleted.upload, std::vector<std::string>{"f"});
  EXPECT_TRUE(theirs_deleted.remove.empty());
}

TEST(PlanSync, RemovalsDeepestFirst) {
  auto plan = plan_sync({file("a", "", {{"c", 1}}), file("a/b", "", {{"c", 1}}), file("a/b/c", "x", {{"c", 1}})},
                        {tombstone("a", {{"c", 1}, {"d", 1}}), tombstone("a/b", {{"c", 1}, {"d", 1}}),
                         tombstone("a/b/c", {{"c", 1}, {"d", 1}})});
  ASSERT_EQ(plan.remove.size(), 3u);
  EXPECT_EQ(plan.remove[0].path, "a/b/c");
  EXPECT_EQ(plan.remove[2].path, "a");
}

TEST(ResolveChange, DecisionTable) {
  auto cur = file("f", "old", {{"a", 1}});
  EXPECT_EQ(resolve_change(std::nullopt, file("f", "new", {{"a", 1}})).kind, change_kind::fast_forward);
  EXPECT_EQ(resolve_change(cur, file("f", "new", {{"a", 2}})).kind, change_kind::fast_forward);
  EXPECT_EQ(resolve_change(cur, file("f", "old", {{"a", 1}})).kind, change_kind::no_op);
  EXPECT_EQ(resolve_change(file("f", "x", {{"a", 2}}), file("f", "old", {{"a", 1}})).kind, change_kind::stale);
  // concurrent, same content: merged, no conflict copy
  auto same = resolve_change(file("f", "s", {{"a", 2}}), file("f", "s", {{"a", 1}, {"b", 1}}));
  EXPECT_EQ(same.kind, change_kind::merge);
  EXPECT_EQ(same.result.version.compare(file("f", "s", {{"a", 2}, {"b", 1}}).version), version_order::equal);
  // edit vs delete
  EXPECT_EQ(resolve_change(file("f", "x", {{"a", 2}}), tombstone("f", {{"a", 1}, {"b", 1}})).kind, change_kind::stale);
  auto revive = resolve_change(tombstone("f", {{"a", 2}}), file("f", "x", {{"a", 1}, {"b", 1}}));
  EXPECT_EQ(revive.kind, change_kind::merge);
  EXPECT_FALSE(revive.result.deleted);
  // delete vs delete
  EXPECT_EQ(resolve_change(tombstone("f", {{"a", 2}}), tombstone("f", {{"a", 1}, {"b", 1}})).kind, change_kind::no_op);
}

TEST(ResolveChange, ConcurrentEditsKeepBothNewestMtimeWins) {
  auto cur = file("f", "theirs", {{"a", 2}}, 200);
  auto incoming = file("f", "mine", {{"a", 1}, {"b", 1}}, 100);
  auto r = resolve_change(cur, incoming);
  EXPECT_EQ(r.kind, change_kind::conflict);
  EXPECT_EQ(r.result.sha256, "theirs");
  ASSERT_TRUE(r.loser);
  EXPECT_EQ(r.loser->sha256, "mine");
  EXPECT_TRUE(r.incoming_lost);
  EXPECT_EQ(r.result.version.compare(cur.version), version_order::after);
  EXPECT_EQ(r.result.version.compare(incoming.version), version_order::after);

  auto r2 = resolve_change(cur, file("f", "mine", {{"a", 1}, {"b", 1}}, 300));
  EXPECT_EQ(r2.result.sha256, "mine");
  EXPECT_FALSE(r2.incoming_lost);
}

TEST(PlanSync, IncrementalPlansPassOnHubTombstonesTheClientDidNotList) {
  // The client sent only what changed since its sync point; the hub its
  // changes since then. A hub tombstone for a path the client did not
  // list may still be on the client: it must be passed on.
  std::vector<file_entry> changed = {file("mine.txt", "m", {{"c", 2}})};
  std::vector<file_entry> hub = {tombstone("gone.txt", {{"other", 2}}), file("new.txt", "n", {{"other", 1}}),
                                 file("mine.txt", "m0", {{"c", 1}})};
  auto plan = plan_sync(changed, hub, false);
  ASSERT_EQ(plan.remove.size(), 1u);
  EXPECT_EQ(plan.remove[0].path, "gone.txt");
  ASSERT_EQ(plan.download.size(), 1u);
  EXPECT_EQ(plan.download[0].path, "new.txt");
  EXPECT_EQ(plan.upload, std::vector<std::string>{"mine.txt"});
  // With the complete list, the same tombstone means nothing to the client.
  EXPECT_TRUE(plan_sync(changed, hub).remove.empty());
}
