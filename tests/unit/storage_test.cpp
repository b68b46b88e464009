#include <gtest/gtest.h>

#include "tests/unit/temp_dir.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "storage/client_index.h"
#include "storage/object_store.h"
#include "storage/server_db.h"
#include "storage/sha256.h"

using namespace syncer;
namespace fs = std::filesystem;

namespace {

void write_file(const fs::path& p, const std::string& bytes) { std::ofstream(p, std::ios::binary) << bytes; }

file_entry entry(const std::string& path, const std::string& content, const char* id, uint64_t counter) {
  file_entry e;
  e.path = path;
  e.sha256 = sha256_hex(content);
  e.size = content.size();
  e.mtime_ns = 123;
  e.version.set(id, counter);
  e.origin = id;
  return e;
}

}  // namespace

TEST(Sha256, KnownVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256, FileHashEqualsBufferHashAcrossBlocks) {
  temp_dir dir;
  std::string data;
  for (int i = 0; i < 5 * 1024 * 1024 + 17; ++i) data += static_cast<char>((i * 7919) & 0xff);
  write_file(dir.path / "f", data);
  std::string error;
  auto d = sha256_file((dir.path / "f").string(), &error);
  ASSERT_TRUE(d) << error;
  EXPECT_EQ(d->sha256, sha256_hex(data));
  EXPECT_EQ(d->size, data.size());
  EXPECT_FALSE(sha256_file((dir.path / "missing").string(), &error));
  EXPECT_NE(error.find("missing"), std::string::npos);
}

TEST(ObjectStore, CommitIsIdempotentAndCleansTemp) {
  temp_dir dir;
  write_file(dir.path / "leftover", "x");
  fs::create_directories(dir.path / "tmp");
  write_file(dir.path / "tmp" / "half-upload", "crash leftovers");
  object_store store(dir.path.string());
  EXPECT_TRUE(fs::is_empty(dir.path / "tmp")) << "temp files of a crashed run must go";
  std::string sha = sha256_hex("content");
  EXPECT_FALSE(store.contains(sha));
  auto t1 = store.new_temp_path();
  auto t2 = store.new_temp_path();
  EXPECT_NE(t1, t2);
  write_file(t1, "content");
  write_file(t2, "content");
  std::string error;
  ASSERT_TRUE(store.commit(t1, sha, &error)) << error;
  ASSERT_TRUE(store.commit(t2, sha, &error)) << error;
  EXPECT_TRUE(store.contains(sha));
  EXPECT_EQ(*store.object_size(sha), 7u);
  EXPECT_FALSE(fs::exists(t1));
  EXPECT_FALSE(fs::exists(t2));
  EXPECT_FALSE(store.commit(store.new_temp_path(), "not-a-sha", &error));
  EXPECT_FALSE(store.contains("../../etc/passwd"));
}

TEST(ServerDb, ClientsFilesVersionsConflictsPersist) {
  temp_dir dir;
  std::string file = (dir.path / "meta.db").string();
  std::string error;
  std::string laptop_id;
  {
    auto db = server_db::open(file, &error);
    ASSERT_TRUE(db) << error;
    auto laptop = db->register_client("laptop", 1);
    EXPECT_EQ(laptop.id.size(), 12u);
    EXPECT_EQ(db->register_client("laptop", 2).id, laptop.id);
    EXPECT_NE(db->register_client("desktop", 3).id, laptop.id);
    laptop_id = laptop.id;
    EXPECT_TRUE(db->find_client(laptop.id));
    EXPECT_FALSE(db->find_client("nope"));

    std::vector<file_entry> batch{entry("a.txt", "A", "c1", 1), entry("b.txt", "B", "c1", 1)};
    db->put_files(batch);
    EXPECT_EQ(batch[0].sequence, 1u);
    EXPECT_EQ(batch[1].sequence, 2u);
    auto tomb = entry("a.txt", "", "c1", 2);
    tomb.deleted = true;
    tomb.sha256.clear();
    std::vector<file_entry> next{tomb};
    db->put_files(next);
    EXPECT_EQ(db->last_sequence(), 3u);
    EXPECT_EQ(db->list_files(false).size(), 1u);
    EXPECT_EQ(db->list_files(true).size(), 2u);
    EXPECT_EQ(db->changes_since(2).size(), 1u);
    EXPECT_EQ(db->history("a.txt").size(), 2u);
    EXPECT_TRUE(db->object_referenced(sha256_hex("A")));
    EXPECT_FALSE(db->object_referenced(sha256_hex("Z")));

    conflict_record c;
    c.path = "b.txt";
    c.copy_path = "b.sync-conflict-20261124-120000-laptop.txt";
    c.winner_origin = "c1";
    c.loser_origin = "c2";
    db->add_conflict(c);
    EXPECT_EQ(db->list_conflicts(true).size(), 1u);
    db->close_conflicts_for_copy(c.copy_path);
    EXPECT_EQ(db->list_conflicts(true).size(), 0u);
    EXPECT_EQ(db->list_conflicts(false).size(), 1u);
  }
  auto reopened = server_db::open(file, &error);
  ASSERT_TRUE(reopened);
  EXPECT_EQ(reopened->register_client("laptop", 9).id, laptop_id);
  auto a = reopened->get_file("a.txt");
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->deleted);
  EXPECT_EQ(a->version.get("c1"), 2u);
  EXPECT_EQ(reopened->last_sequence(), 3u);
}

TEST(ServerDb, OpenFailureIsOneSentence) {
  std::string error;
  EXPECT_FALSE(server_db::open("/proc/no/such/place/meta.db", &error));
  EXPECT_NE(error.find("meta.db"), std::string::npos);
}

TEST(ClientIndex, RoundTripMetaAndReadOnlyWhileOpen) {
  temp_dir dir;
  std::string file = (dir.path / ".syncer" / "index.db").string();
  std::string error;
  auto index = client_index::open(file, &error);
  ASSERT_TRUE(index) << error;
  auto e = entry("x/y.txt", "Y", "me", 3);
  e.version.set("other", 1);
  index->put(e);
  auto d = entry("x", "", "me", 1);
  d.is_dir = true;
  d.sha256.clear();
  index->put(std::vector<file_entry>{d});
  index->set_meta("client_id", "me");
  auto got = index->get("x/y.txt");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->version, e.version);
  EXPECT_EQ(got->sha256, e.sha256);
  EXPECT_TRUE(index->get("x")->is_dir);
  EXPECT_EQ(index->count(false), 2u);
  auto reader = client_index::open_read_only(file, &error);
  ASSERT_TRUE(reader) << error;
  EXPECT_EQ(reader->get_meta("client_id"), "me");
  EXPECT_EQ(reader->all().size(), 2u);
  index->erase("x");
  EXPECT_FALSE(index->get("x"));
  EXPECT_EQ(reader->count(true), 1u);
}
