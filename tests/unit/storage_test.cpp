#include <gtest/gtest.h>

#include "tests/unit/temp_dir.h"

#include <unistd.h>

#include <algorithm>
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
    EXPECT_EQ(db->versions_of("a.txt", 0, 100).size(), 2u);
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

TEST(ObjectStore, ObjectsLiveUnderTwoHexFolderWithTheirBytes) {
  temp_dir dir;
  object_store store(dir.path.string());
  std::string sha = sha256_hex("payload");
  EXPECT_FALSE(store.object_size(sha));
  auto temp = store.new_temp_path();
  EXPECT_EQ(fs::path(temp).parent_path(), dir.path / "tmp");
  write_file(temp, "payload");
  std::string error;
  ASSERT_TRUE(store.commit(temp, sha, &error)) << error;
  auto expected = dir.path / "objects" / sha.substr(0, 2) / sha;
  EXPECT_EQ(fs::path(store.object_path(sha)), expected);
  ASSERT_TRUE(fs::exists(expected));
  std::ifstream in(expected, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(bytes, "payload");
  // A committed object survives a restart; only tmp/ is cleared.
  object_store again(dir.path.string());
  EXPECT_TRUE(again.contains(sha));
}

TEST(ServerDb, SequencesKeepIncreasingAcrossBatchesAndReopen) {
  temp_dir dir;
  std::string file = (dir.path / "hub" / "meta.db").string();  // parent folder created by open()
  std::string error;
  {
    auto db = server_db::open(file, &error);
    ASSERT_TRUE(db) << error;
    EXPECT_EQ(db->last_sequence(), 0u);
    std::vector<file_entry> first{entry("one", "1", "c1", 1), entry("two", "2", "c1", 1)};
    db->put_files(first);
    std::vector<file_entry> second{entry("one", "1b", "c1", 2)};
    db->put_files(second);
    EXPECT_EQ(second[0].sequence, 3u);
  }
  auto db = server_db::open(file, &error);
  ASSERT_TRUE(db) << error;
  EXPECT_EQ(db->last_sequence(), 3u);
  auto folder = entry("dir", "", "c2", 1);
  folder.is_dir = true;
  folder.sha256.clear();
  std::vector<file_entry> third{folder};
  db->put_files(third);
  EXPECT_EQ(third[0].sequence, 4u);

  // changes_since: the current entries past a position, in sequence order.
  auto changes = db->changes_since(1);
  ASSERT_EQ(changes.size(), 3u);
  EXPECT_EQ(changes[0].path, "two");
  EXPECT_EQ(changes[1].path, "one");
  EXPECT_EQ(changes[1].sequence, 3u);
  EXPECT_EQ(changes[2].path, "dir");
  EXPECT_TRUE(db->changes_since(4).empty());

  // Every field round-trips.
  auto one = db->get_file("one");
  ASSERT_TRUE(one);
  EXPECT_EQ(one->sha256, sha256_hex("1b"));
  EXPECT_EQ(one->size, 2u);
  EXPECT_EQ(one->mtime_ns, 123);
  EXPECT_EQ(one->origin, "c1");
  EXPECT_EQ(one->version.get("c1"), 2u);
  EXPECT_FALSE(one->deleted);
  EXPECT_TRUE(db->get_file("dir")->is_dir);
  EXPECT_FALSE(db->get_file("absent"));

  // History keeps both versions of "one", newest first.
  auto versions = db->versions_of("one", 0, 100);
  ASSERT_EQ(versions.size(), 2u);
  EXPECT_EQ(versions[0].entry.sha256, sha256_hex("1b"));
  EXPECT_EQ(versions[1].entry.sha256, sha256_hex("1"));
  // The replaced content is still referenced by its old version.
  EXPECT_TRUE(db->object_referenced(sha256_hex("1")));
  EXPECT_EQ(db->file_count(false), 3u);
}

TEST(ServerDb, ClientsAreListedAndTouched) {
  temp_dir dir;
  std::string error;
  auto db = server_db::open((dir.path / "meta.db").string(), &error);
  ASSERT_TRUE(db) << error;
  auto b = db->register_client("bravo", 10);
  auto a = db->register_client("alpha", 20);
  for (const auto& id : {a.id, b.id})
    EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos) << id;
  db->touch_client(b.id, 99);
  auto clients = db->list_clients();
  ASSERT_EQ(clients.size(), 2u);
  EXPECT_EQ(clients[0].name, "alpha");
  EXPECT_EQ(clients[1].name, "bravo");
  EXPECT_EQ(clients[1].created_ns, 10);
  EXPECT_EQ(clients[1].last_seen_ns, 99);
  // Re-registering does not reset the record.
  EXPECT_EQ(db->register_client("bravo", 500).created_ns, 10);
  db->log_event(1, b.id, "upload", "x.txt", "3 bytes");  // must not throw
}

TEST(ClientIndex, ReopenPersistsEntriesMetaAndTombstones) {
  temp_dir dir;
  std::string file = (dir.path / "index.db").string();
  std::string error;
  {
    auto index = client_index::open(file, &error);
    ASSERT_TRUE(index) << error;
    std::vector<file_entry> batch;
    for (int i = 0; i < 500; ++i) batch.push_back(entry("f" + std::to_string(i), std::to_string(i), "me", 1));
    batch[7].deleted = true;
    index->put(batch);
    index->set_meta("last_sync", "1");
    index->set_meta("last_sync", "2");  // overwrite, not a second row
  }
  auto index = client_index::open(file, &error);
  ASSERT_TRUE(index) << error;
  EXPECT_EQ(index->count(true), 500u);
  EXPECT_EQ(index->count(false), 499u);
  EXPECT_TRUE(index->get("f7")->deleted);
  EXPECT_EQ(index->get("f42")->sha256, sha256_hex("42"));
  EXPECT_EQ(index->get_meta("last_sync"), "2");
  EXPECT_FALSE(index->get_meta("unknown"));
  auto all = index->all();
  ASSERT_EQ(all.size(), 500u);
  EXPECT_TRUE(std::is_sorted(all.begin(), all.end(),
                             [](const file_entry& x, const file_entry& y) { return x.path < y.path; }));
  // Upsert replaces the row of a path.
  index->put(entry("f1", "new", "me", 2));
  EXPECT_EQ(index->get("f1")->sha256, sha256_hex("new"));
  EXPECT_EQ(index->count(true), 500u);
}

TEST(ClientIndex, ReadOnlyOpenOfMissingFileFails) {
  temp_dir dir;
  std::string error;
  std::string file = (dir.path / "index.db").string();
  EXPECT_FALSE(client_index::open_read_only(file, &error));
  EXPECT_NE(error.find(file), std::string::npos) << error;
  EXPECT_FALSE(fs::exists(file)) << "a read-only open must not create the index";
}

TEST(ObjectStore, CommitManyFlushesOnceAndReportsPerObject) {
  temp_dir dir("syncer-store-many");
  object_store store(dir.path.string());
  std::vector<std::pair<std::string, std::string>> batch;
  std::vector<std::string> contents = {"one", "two", "three", "two"};  // the same content twice
  for (const auto& c : contents) {
    auto temp = store.new_temp_path();
    write_file(temp, c);
    batch.emplace_back(temp, sha256_hex(c));
  }
  auto bad_temp = store.new_temp_path();
  write_file(bad_temp, "x");
  batch.emplace_back(bad_temp, "not-a-sha");
  auto errors = store.commit_many(batch);
  ASSERT_EQ(errors.size(), 5u);
  for (size_t i = 0; i < contents.size(); ++i) {
    EXPECT_TRUE(errors[i].empty()) << i << ": " << errors[i];
    std::ifstream in(store.object_path(sha256_hex(contents[i])), std::ios::binary);
    std::string got((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(got, contents[i]);
    EXPECT_FALSE(fs::exists(batch[i].first)) << "temp files are moved or dropped";
  }
  EXPECT_NE(errors[4].find("invalid sha256"), std::string::npos) << errors[4];
  // Again, with every object already there: nothing to do, temps dropped.
  std::vector<std::pair<std::string, std::string>> again;
  for (const auto& c : contents) {
    auto temp = store.new_temp_path();
    write_file(temp, c);
    again.emplace_back(temp, sha256_hex(c));
  }
  for (const auto& e : store.commit_many(again)) EXPECT_TRUE(e.empty()) << e;
  for (const auto& [temp, sha] : again) EXPECT_FALSE(fs::exists(temp));
}

TEST(ServerDb, BatchIsOneTransactionThatCanBeRolledBack) {
  temp_dir dir("syncer-db-batch");
  std::string error;
  auto db = server_db::open((dir.path / "meta.db").string(), &error);
  ASSERT_TRUE(db) << error;
  db->begin_batch();
  std::vector<file_entry> first = {entry("a", "1", "c", 1), entry("b", "2", "c", 1)};
  db->put_files(first);
  db->log_event(1, "c", "fast_forward", "a", "x");
  EXPECT_TRUE(db->get_file("a")) << "a batch reads its own writes";
  db->rollback_batch();
  EXPECT_FALSE(db->get_file("a"));
  EXPECT_EQ(db->file_count(true), 0u);
  EXPECT_EQ(db->last_sequence(), 0u);

  db->begin_batch();
  db->put_files(first);
  std::vector<file_entry> second = {entry("c", "3", "c", 1)};
  db->put_files(second);
  db->commit_batch();
  db.reset();
  db = server_db::open((dir.path / "meta.db").string(), &error);
  ASSERT_TRUE(db) << error;
  EXPECT_EQ(db->file_count(false), 3u);
  EXPECT_EQ(db->last_sequence(), 3u);
  EXPECT_EQ(db->get_file("c")->sequence, 3u);
}
