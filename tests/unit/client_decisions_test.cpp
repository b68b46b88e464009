// Table tests of the client's decisions (actors/rules/client_decisions.h).
#include <gtest/gtest.h>

#include "actors/rules/client_decisions.h"

using namespace syncer;

namespace {

version_vector vv(std::initializer_list<std::pair<const char*, uint64_t>> counters) {
  version_vector v;
  for (const auto& [id, n] : counters) v.set(id, n);
  return v;
}

file_entry file(const char* sha, version_vector v, int64_t mtime = 100) {
  file_entry e;
  e.path = "f.txt";
  e.sha256 = std::string(64, sha[0]);
  e.size = 10;
  e.mtime_ns = mtime;
  e.version = std::move(v);
  return e;
}

file_entry tombstone(version_vector v) {
  file_entry e;
  e.path = "f.txt";
  e.deleted = true;
  e.version = std::move(v);
  return e;
}

const char* name(hub_entry_action a) {
  switch (a) {
    case hub_entry_action::nothing: return "nothing";
    case hub_entry_action::record: return "record";
    case hub_entry_action::download: return "download";
    case hub_entry_action::upload: return "upload";
  }
  return "?";
}

const char* name(upload_followup a) {
  switch (a) {
    case upload_followup::nothing: return "nothing";
    case upload_followup::record: return "record";
    case upload_followup::download_winner: return "download_winner";
    case upload_followup::replan: return "replan";
    case upload_followup::upload_again: return "upload_again";
  }
  return "?";
}

}  // namespace

TEST(ClientDecisions, HubEntries) {
  struct row {
    const char* what;
    std::optional<file_entry> local;
    file_entry hub;
    hub_entry_action expected;
  };
  auto A1 = vv({{"a", 1}}), A2 = vv({{"a", 2}}), A1B1 = vv({{"a", 1}, {"b", 1}}), B1 = vv({{"b", 1}});
  std::vector<row> rows = {
      {"new file", std::nullopt, file("x", A1), hub_entry_action::download},
      {"unknown tombstone: remembered", std::nullopt, tombstone(A1), hub_entry_action::record},
      {"same version", file("x", A1), file("x", A1), hub_entry_action::nothing},
      {"older than ours", file("y", A2), file("x", A1), hub_entry_action::nothing},
      {"newer, other bytes", file("x", A1), file("y", A1B1), hub_entry_action::download},
      {"newer, same bytes: adopt", file("x", A1), file("x", A1B1), hub_entry_action::record},
      {"newer tombstone", file("x", A1), tombstone(A1B1), hub_entry_action::download},
      {"newer tombstone over ours", tombstone(A1), tombstone(A1B1), hub_entry_action::record},
      {"concurrent edits: ours goes up", file("x", A2), file("y", A1B1), hub_entry_action::upload},
      {"our edit vs their delete: ours goes up", file("x", A2), tombstone(A1B1), hub_entry_action::upload},
      {"their edit vs our delete: edit wins", tombstone(A2), file("y", A1B1), hub_entry_action::download},
      {"both deleted: histories merged", tombstone(A2), tombstone(B1), hub_entry_action::record},
  };
  for (const auto& r : rows) {
    auto d = decide_hub_entry(r.local, r.hub);
    EXPECT_STREQ(name(d.action), name(r.expected)) << r.what;
  }
  auto adopted = decide_hub_entry(file("x", A1, 555), file("x", A1B1, 777));
  EXPECT_EQ(adopted.record.mtime_ns, 555);  // our mtime kept
  EXPECT_EQ(adopted.record.version, A1B1);
  auto merged = decide_hub_entry(tombstone(A2), tombstone(B1));
  EXPECT_EQ(merged.record.version, vv({{"a", 2}, {"b", 1}}));
}

TEST(ClientDecisions, AfterUpload) {
  auto A2 = vv({{"a", 2}}), A3 = vv({{"a", 3}}), A2B1 = vv({{"a", 2}, {"b", 1}}), B2 = vv({{"b", 2}});
  struct row {
    const char* what;
    file_entry current, sent, hub;
    bool conflict;
    upload_followup expected;
  };
  std::vector<row> rows = {
      {"fast-forward: adopt", file("x", A2), file("x", A2), file("x", A2), false, upload_followup::record},
      {"hub merged our version", file("x", A2), file("x", A2), file("x", A2B1), false, upload_followup::record},
      {"conflict we won", file("x", A2), file("x", A2), file("x", A2B1), true, upload_followup::record},
      {"conflict we lost", file("x", A2), file("x", A2), file("y", A2B1), true, upload_followup::download_winner},
      {"hub holds a concurrent version", file("x", A3), file("x", A3), file("x", B2), false, upload_followup::replan},
      {"edited again meanwhile", file("z", A3), file("x", A2), file("x", A2B1), false, upload_followup::upload_again},
      {"edited again, and the sent one lost", file("z", A3), file("x", A2), file("y", A2B1), true,
       upload_followup::nothing},
  };
  for (const auto& r : rows) {
    auto d = decide_after_upload(r.current, r.sent, r.hub, r.conflict, "a");
    EXPECT_STREQ(name(d.action), name(r.expected)) << r.what;
  }
  // The re-upload descends from the hub's version: a fast-forward there.
  auto again = decide_after_upload(file("z", A3), file("x", A2), file("x", A2B1), false, "a");
  EXPECT_EQ(again.record.version.compare(A2B1), version_order::after);
  EXPECT_EQ(again.record.sha256, std::string(64, 'z'));
}

TEST(ClientDecisions, SameHubVersion) {
  auto a = file("x", vv({{"a", 1}}));
  auto b = a;
  b.mtime_ns = 999;  // times do not matter
  EXPECT_TRUE(same_hub_version(a, b));
  b.version.increment("b");
  EXPECT_FALSE(same_hub_version(a, b));
}

TEST(ClientDecisions, HubEntriesThatCannotBeUsed) {
  auto ok = file("a", vv({{"a", 1}}));  // sha256 "aaa…a": 64 hex digits
  EXPECT_FALSE(hub_entry_error(ok));
  struct row {
    std::string path, sha256;
    bool deleted, is_dir;
  };
  for (const auto& r : {row{"../escape.txt", std::string(64, 'a'), false, false},
                        row{"a//b.txt", std::string(64, 'a'), false, false},   // not in normal form
                        row{".syncer/planted", std::string(64, 'a'), false, false},
                        row{"a\\b.txt", std::string(64, 'a'), false, false},
                        row{"f.txt", "../../../../tmp/x", false, false},
                        row{"f.txt", std::string(64, 'A'), false, false},
                        row{"../gone", "", true, false}}) {
    file_entry e = ok;
    e.path = r.path;
    e.sha256 = r.sha256;
    e.deleted = r.deleted;
    e.is_dir = r.is_dir;
    EXPECT_TRUE(hub_entry_error(e)) << r.path << " " << r.sha256;
  }
  auto dir = ok;
  dir.is_dir = true;
  dir.sha256.clear();
  EXPECT_FALSE(hub_entry_error(dir));  // folders and tombstones carry no sha256
}
