// server_db's history queries: versions newest first with paging, changes
// and trash under a folder (and not beside it), the state of a sub-tree
// at a time, and object references from versions and current files.
#include <gtest/gtest.h>

#include "storage/server_db.h"
#include "storage/sha256.h"
#include "tests/unit/temp_dir.h"

using namespace syncer;

namespace {

file_entry live(const std::string& path, const std::string& content, const char* id, uint64_t counter) {
  file_entry e;
  e.path = path;
  e.sha256 = sha256_hex(content);
  e.size = content.size();
  e.mtime_ns = 1;
  e.version.set(id, counter);
  e.origin = id;
  return e;
}

file_entry tomb(const std::string& path, const char* id, uint64_t counter) {
  auto e = live(path, "", id, counter);
  e.sha256.clear();
  e.deleted = true;
  return e;
}

void put(server_db& db, file_entry e, int64_t at) {
  std::vector<file_entry> batch{std::move(e)};
  db.put_files(batch, at);
}

struct HistoryDb : ::testing::Test {
  temp_dir dir;
  std::unique_ptr<server_db> db;
  void SetUp() override {
    std::string error;
    db = server_db::open((dir.path / "meta.db").string(), &error);
    ASSERT_TRUE(db) << error;
    put(*db, live("docs/a.txt", "a1", "c1", 1), 100);   // seq 1
    put(*db, live("docs/a.txt", "a2", "c2", 1), 200);   // seq 2 (c2 wrote it)
    put(*db, live("docs/b.txt", "b1", "c1", 2), 300);   // seq 3
    put(*db, live("docsx/c.txt", "c1", "c1", 3), 400);  // seq 4: beside docs/, not under it
    put(*db, tomb("docs/b.txt", "c1", 4), 500);         // seq 5
    put(*db, live("docs/a.txt", "a3", "c1", 5), 600);   // seq 6
    put(*db, live("docs/new.txt", "n", "c1", 6), 700);  // seq 7
  }
};

}  // namespace

TEST_F(HistoryDb, VersionsOfAPathNewestFirstWithPaging) {
  auto all = db->versions_of("docs/a.txt", 0, 100);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].entry.sequence, 6u);
  EXPECT_EQ(all[1].entry.sequence, 2u);
  EXPECT_EQ(all[1].entry.origin, "c2");
  EXPECT_EQ(all[1].recorded_ns, 200);
  EXPECT_EQ(all[2].entry.sha256, sha256_hex("a1"));
  auto page = db->versions_of("docs/a.txt", 0, 2);
  ASSERT_EQ(page.size(), 2u);
  auto next = db->versions_of("docs/a.txt", page.back().entry.sequence, 2);
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].entry.sequence, 1u);
  EXPECT_TRUE(db->versions_of("nothing", 0, 10).empty());
}

TEST_F(HistoryDb, ChangesUnderAFolderOnly) {
  auto changes = db->changes_under("docs", 0, 100);
  ASSERT_EQ(changes.size(), 6u);  // not docsx/c.txt
  EXPECT_EQ(changes[0].entry.path, "docs/new.txt");
  for (const auto& v : changes) EXPECT_EQ(v.entry.path.compare(0, 5, "docs/"), 0) << v.entry.path;
  EXPECT_EQ(db->changes_under("", 0, 100).size(), 7u);
  EXPECT_EQ(db->changes_under("docs", 5, 100).size(), 3u);  // seqs 1-3 (4 is docsx)
  EXPECT_EQ(db->changes_under("docs/a.txt", 0, 100).size(), 3u);  // a file names itself
}

TEST_F(HistoryDb, TrashListsTombstonesWithTheirLastLiveVersion) {
  auto trash = db->trash_under("docs", "", 100);
  ASSERT_EQ(trash.size(), 1u);
  EXPECT_EQ(trash[0].deletion.entry.path, "docs/b.txt");
  EXPECT_EQ(trash[0].deletion.recorded_ns, 500);
  ASSERT_TRUE(trash[0].last_version);
  EXPECT_EQ(trash[0].last_version->entry.sha256, sha256_hex("b1"));
  EXPECT_EQ(trash[0].last_version->entry.sequence, 3u);
  EXPECT_TRUE(db->trash_under("docs", "docs/b.txt", 100).empty());  // paged by path
  EXPECT_TRUE(db->trash_under("docsx", "", 100).empty());
}

TEST_F(HistoryDb, StateAtATime) {
  auto at = db->state_at("docs", 350);
  ASSERT_EQ(at.size(), 2u);
  EXPECT_EQ(at[0].entry.path, "docs/a.txt");
  EXPECT_EQ(at[0].entry.sha256, sha256_hex("a2"));
  EXPECT_EQ(at[1].entry.path, "docs/b.txt");
  EXPECT_FALSE(at[1].entry.deleted);
  auto later = db->state_at("docs", 550);
  ASSERT_EQ(later.size(), 2u);
  EXPECT_TRUE(later[1].entry.deleted);
  EXPECT_TRUE(db->state_at("docs", 50).empty());
  EXPECT_EQ(db->state_at("", 10000).size(), 4u);
  EXPECT_EQ(db->files_under("docs").size(), 3u);
}

TEST_F(HistoryDb, VersionBySequenceAndReferences) {
  auto v = db->version_by_sequence("docs/a.txt", 2);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->entry.sha256, sha256_hex("a2"));
  EXPECT_FALSE(db->version_by_sequence("docs/a.txt", 3));  // seq 3 is b.txt's
  EXPECT_TRUE(db->object_referenced(sha256_hex("a1")));
  EXPECT_FALSE(db->object_referenced(sha256_hex("never")));
}
