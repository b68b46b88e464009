#include <gtest/gtest.h>

#include "net/json.h"

using namespace syncer;

namespace {
file_entry sample() {
  file_entry e;
  e.path = "dir/caf\xC3\xA9 \"quoted\"\n.txt";
  e.sha256 = std::string(64, 'a');
  e.size = 12345678901ull;
  e.mtime_ns = 1732480000123456789;
  e.version.set("c1", 3);
  e.version.set("c2", 1);
  e.origin = "c1";
  e.sequence = 42;
  return e;
}
}  // namespace

TEST(Json, EntryRoundTripThroughSyncRequest) {
  auto e = sample();
  auto body = "{\"client_id\":\"c1\",\"files\":[" + json::entry_json(e) + "]}";
  std::string error;
  auto parsed = json::parse_sync_request(body, &error);
  ASSERT_TRUE(parsed) << error;
  ASSERT_EQ(parsed->size(), 1u);
  const auto& p = (*parsed)[0];
  EXPECT_EQ(p.path, e.path);
  EXPECT_EQ(p.sha256, e.sha256);
  EXPECT_EQ(p.size, e.size);
  EXPECT_EQ(p.mtime_ns, e.mtime_ns);
  EXPECT_EQ(p.version, e.version);
  EXPECT_EQ(p.origin, "c1");
  EXPECT_FALSE(p.is_dir);
}

TEST(Json, SyncPlanRoundTrip) {
  sync_plan plan;
  plan.upload = {"a", "b c"};
  auto d = sample();
  d.is_dir = true;
  plan.download = {d};
  auto t = sample();
  t.deleted = true;
  plan.remove = {t};
  plan.conflicts = {"a"};
  std::string error;
  auto parsed = json::parse_sync_plan(json::sync_plan_json(plan), &error);
  ASSERT_TRUE(parsed) << error;
  EXPECT_EQ(parsed->upload, plan.upload);
  ASSERT_EQ(parsed->download.size(), 1u);
  EXPECT_TRUE(parsed->download[0].is_dir);
  ASSERT_EQ(parsed->remove.size(), 1u);
  EXPECT_TRUE(parsed->remove[0].deleted);
  EXPECT_EQ(parsed->conflicts, plan.conflicts);
}

TEST(Json, EventsHaveOneTypeKey) {
  hub_event ev{"file_changed", sample()};
  ev.entry.is_dir = true;
  auto text = json::event_json(ev);
  EXPECT_EQ(text.find("\"type\""), text.rfind("\"type\""));
  std::string error;
  auto parsed = json::parse_event(text, &error);
  ASSERT_TRUE(parsed) << error;
  EXPECT_EQ(parsed->type, "file_changed");
  EXPECT_TRUE(parsed->entry.is_dir);
  EXPECT_EQ(parsed->entry.version, ev.entry.version);
  auto deleted = json::parse_event(json::event_json(hub_event{"file_deleted", sample()}), &error);
  ASSERT_TRUE(deleted);
  EXPECT_TRUE(deleted->entry.deleted);
}

TEST(Json, BadInputGivesOneSentence) {
  std::string error;
  EXPECT_FALSE(json::parse_register_request("{not json", &error));
  EXPECT_NE(error.find("malformed JSON"), std::string::npos);
  EXPECT_FALSE(json::parse_register_request("[]", &error));
  EXPECT_FALSE(json::parse_register_request("{\"client_name\": 5}", &error));
  EXPECT_NE(error.find("client_name"), std::string::npos);
  EXPECT_FALSE(json::parse_register_request("{}", &error));
  EXPECT_FALSE(json::parse_sync_request("{\"files\": {}}", &error));
  EXPECT_FALSE(json::parse_sync_request("{\"files\": [{\"path\": \"a\", \"size\": -1}]}", &error));
  EXPECT_FALSE(json::parse_sync_request("{\"files\": [{\"path\": \"a\", \"version\": {\"x\": \"1\"}}]}", &error));
  EXPECT_FALSE(json::parse_sync_request("{\"files\": [{\"path\": \"a\", \"type\": \"link\"}]}", &error));
  EXPECT_FALSE(json::parse_link_request("{\"size\": 1}", &error));
  EXPECT_TRUE(json::parse_register_request("{\"client_name\": \"x\", \"extra\": 1}", &error));
}

TEST(Json, QuoteEscapesControlCharacters) {
  EXPECT_EQ(json::quote("a\"b\\c\n\x01"), "\"a\\\"b\\\\c\\n\\u0001\"");
  EXPECT_EQ(json::error_body("bad"), "{\"error\":\"bad\"}");
}
