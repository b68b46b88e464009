// Storage of identities and devices (issue 13): the identity is made once
// (0600) and kept, a certificate without its key is refused; device rows;
// the clients table of an old hub loses UNIQUE(name) by migration.
#include <gtest/gtest.h>

#include "tests/unit/temp_dir.h"

#include <sys/stat.h>

#include <SQLiteCpp/SQLiteCpp.h>

#include "actors/rules/device_id.h"
#include "storage/device_db.h"
#include "storage/device_identity.h"
#include "storage/server_db.h"

using namespace syncer;

TEST(DeviceIdentity, MadeOnceKeptAndPrivate) {
  temp_dir dir;
  std::string error;
  auto first = load_or_create_identity(dir.path.string(), &error);
  ASSERT_TRUE(first) << error;
  std::string canonical_error;
  EXPECT_EQ(parse_device_id(first->device_id, &canonical_error).value_or(""), first->device_id);
  for (const auto& f : {first->cert_file, first->key_file}) {
    struct stat st;
    ASSERT_EQ(::stat(f.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u) << f;
  }
  auto again = load_or_create_identity(dir.path.string(), &error);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->device_id, first->device_id);
  temp_dir other;
  EXPECT_NE(load_or_create_identity(other.path.string(), &error)->device_id, first->device_id);
  std::remove(first->key_file.c_str());
  EXPECT_FALSE(load_or_create_identity(dir.path.string(), &error));
  EXPECT_NE(error.find("without its key"), std::string::npos) << error;
}

TEST(DeviceDb, RowsAndStates) {
  temp_dir dir;
  std::string error;
  auto db = device_db::open((dir.path / "devices.db").string(), &error);
  ASSERT_TRUE(db) << error;
  auto row = db->seen("ID-A", "10.0.0.1", "pending", 100);
  EXPECT_EQ(row.state, "pending");
  EXPECT_EQ(row.first_seen_ns, 100);
  db->set_state("ID-A", "accepted");
  row = db->seen("ID-A", "10.0.0.2", "pending", 200);  // known: state kept, last seen moves
  EXPECT_EQ(row.state, "accepted");
  EXPECT_EQ(row.first_seen_ns, 100);
  EXPECT_EQ(row.last_seen_ns, 200);
  EXPECT_EQ(row.address, "10.0.0.2");
  db->set_name("ID-A", "laptop");
  db->seen("ID-B", "10.0.0.3", "accepted", 300);
  auto all = db->list();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].name, "laptop");
  EXPECT_FALSE(db->get("ID-C"));
}

TEST(ServerDb, OldClientsTableLosesUniqueName) {
  temp_dir dir;
  auto file = (dir.path / "meta.db").string();
  {
    SQLite::Database old(file, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    old.exec("CREATE TABLE clients (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, created_ns INTEGER NOT NULL, "
             "last_seen_ns INTEGER NOT NULL); INSERT INTO clients VALUES ('abc', 'twin', 1, 1);");
  }
  std::string error;
  auto db = server_db::open(file, &error);
  ASSERT_TRUE(db) << error;
  EXPECT_TRUE(db->find_client("abc"));
  auto one = db->register_device_client("DEVICEONE0000000", "twin", 5);
  auto two = db->register_device_client("DEVICETWO0000000", "twin", 6);
  EXPECT_NE(one.id, two.id);
  EXPECT_EQ(db->register_device_client("DEVICEONE0000000", "renamed", 7).name, "renamed");
  EXPECT_EQ(db->list_clients().size(), 3u);
}
