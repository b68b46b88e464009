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

TEST(Json, BatchManifestResultsAndObjectSizesRoundTrip) {
  std::vector<batch_change> changes(4);
  changes[0].op = batch_change::upload;
  changes[0].meta.path = "a b/ü.txt";
  changes[0].meta.sha256 = std::string(64, 'e');
  changes[0].meta.size = 3;
  changes[0].meta.mtime_ns = 1700000000123456789;
  changes[0].meta.version.set("c1", 4);
  changes[0].content = "abc";  // not part of the manifest
  changes[1].op = batch_change::link;
  changes[1].meta.path = "copy";
  changes[1].meta.sha256 = std::string(64, 'f');
  changes[2].op = batch_change::mkdir;
  changes[2].meta.path = "dir";
  changes[2].meta.is_dir = true;
  changes[3].op = batch_change::remove;
  changes[3].meta.path = "gone";
  changes[3].meta.deleted = true;
  auto manifest = json::batch_manifest_json(changes);
  EXPECT_EQ(manifest.find('\n'), std::string::npos) << "the manifest must be one line";
  EXPECT_EQ(manifest.find("abc"), std::string::npos);
  std::string error;
  auto parsed = json::parse_batch_manifest(manifest, &error);
  ASSERT_TRUE(parsed) << error;
  ASSERT_EQ(parsed->size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ((*parsed)[i].op, changes[i].op) << i;
    EXPECT_EQ((*parsed)[i].meta.path, changes[i].meta.path) << i;
    EXPECT_EQ((*parsed)[i].meta.sha256, changes[i].meta.sha256) << i;
    EXPECT_EQ((*parsed)[i].meta.version, changes[i].meta.version) << i;
    EXPECT_EQ((*parsed)[i].meta.mtime_ns, changes[i].meta.mtime_ns) << i;
    EXPECT_TRUE((*parsed)[i].content.empty());
  }

  std::vector<change_result> results(2);
  results[0].kind = "fast_forward";
  results[0].entry = changes[0].meta;
  results[1].result.kind = error_kind::stale;
  results[1].kind = "stale";
  results[1].result.message = "the hub holds a newer version of copy";
  results[1].entry.path = "copy";
  auto outcomes = json::parse_batch_results(json::batch_results_json(results), &error);
  ASSERT_TRUE(outcomes) << error;
  ASSERT_EQ(outcomes->size(), 2u);
  EXPECT_EQ((*outcomes)[0].reply.kind, error_kind::ok);
  EXPECT_EQ((*outcomes)[0].change.kind, "fast_forward");
  EXPECT_EQ((*outcomes)[0].change.entry.path, "a b/ü.txt");
  EXPECT_EQ((*outcomes)[0].change.entry.version.get("c1"), 4u);
  EXPECT_EQ((*outcomes)[1].reply.kind, error_kind::stale);
  EXPECT_EQ((*outcomes)[1].reply.error, "the hub holds a newer version of copy");

  auto sizes = json::parse_objects_sizes(json::objects_sizes_json({5, std::nullopt, 0}), &error);
  ASSERT_TRUE(sizes) << error;
  EXPECT_EQ(*sizes, (std::vector<std::optional<uint64_t>>{5, std::nullopt, 0}));
  auto wanted = json::parse_objects_request("{\"sha256\":[\"x\",\"y\"]}", &error);
  ASSERT_TRUE(wanted) << error;
  EXPECT_EQ(*wanted, (std::vector<std::string>{"x", "y"}));

  for (const char* bad : {"{\"changes\":5}", "{}", "{\"changes\":[{\"op\":\"upload\"}]}",
                          "{\"changes\":[{\"op\":\"rename\",\"path\":\"a\"}]}", "[1]"}) {
    error.clear();
    EXPECT_FALSE(json::parse_batch_manifest(bad, &error)) << bad;
    EXPECT_FALSE(error.empty()) << bad;
  }
  EXPECT_FALSE(json::parse_objects_request("{\"sha256\":[1]}", &error));
  EXPECT_FALSE(json::parse_objects_sizes("{\"sizes\":[-1]}", &error));
}

TEST(Json, SyncRequestSinceAndPlanSyncPoint) {
  std::string error;
  auto full = json::parse_sync_request_since("{\"client_id\":\"x\",\"files\":[]}", &error);
  ASSERT_TRUE(full) << error;
  EXPECT_FALSE(full->since);
  auto since = json::parse_sync_request_since("{\"since\":41,\"hub_id\":\"h1\",\"files\":[]}", &error);
  ASSERT_TRUE(since) << error;
  EXPECT_EQ(since->since, std::optional<uint64_t>(41));
  EXPECT_EQ(since->hub_id, "h1");
  EXPECT_FALSE(json::parse_sync_request_since("{\"since\":41,\"files\":[]}", &error)) << "since needs hub_id";
  EXPECT_FALSE(json::parse_sync_request_since("{\"since\":-1,\"hub_id\":\"h\",\"files\":[]}", &error));
  sync_plan plan;
  plan.hub_id = "h1";
  plan.sequence = 57;
  plan.incremental = true;
  auto back = json::parse_sync_plan(json::sync_plan_json(plan), &error);
  ASSERT_TRUE(back) << error;
  EXPECT_EQ(back->hub_id, "h1");
  EXPECT_EQ(back->sequence, 57u);
  EXPECT_TRUE(back->incremental);
}

TEST(Json, IncomingEventCarriesPathShaAndSize) {
  hub_event ev{"file_incoming", sample()};
  std::string error;
  auto parsed = json::parse_event(json::event_json(ev), &error);
  ASSERT_TRUE(parsed) << error;
  EXPECT_EQ(parsed->type, "file_incoming");
  EXPECT_EQ(parsed->entry.path, ev.entry.path);
  EXPECT_EQ(parsed->entry.sha256, ev.entry.sha256);
  EXPECT_EQ(parsed->entry.size, ev.entry.size);
  EXPECT_FALSE(parsed->entry.deleted);
}

TEST(Json, BlocksReplyAndDeltaHeaderRoundTrip) {
  json::blocks_reply r{std::string(64, 'b'), 300000, 131072, {1, 2, 0xFFFFFFFFFFFFFFFFull}};
  std::string error;
  auto parsed = json::parse_blocks_reply(json::blocks_reply_json(r), &error);
  ASSERT_TRUE(parsed) << error;
  EXPECT_EQ(parsed->sha256, r.sha256);
  EXPECT_EQ(parsed->size, r.size);
  EXPECT_EQ(parsed->checksums, r.checksums);
  json::delta_header h{std::string(64, 'c'), 300000, 131072, "0-1,2"};
  auto header = json::parse_delta_header(json::delta_header_json(h), &error);
  ASSERT_TRUE(header) << error;
  EXPECT_EQ(header->literal, "0-1,2");
  EXPECT_EQ(header->block_size, 131072u);
}

TEST(Json, BlocksReplyMustHaveOneChecksumPerBlock) {
  std::string error;
  // 300000 bytes in 131072-byte blocks: 3 blocks, but 2 checksums.
  EXPECT_FALSE(json::parse_blocks_reply(
      R"({"sha256":"x","size":300000,"block_size":131072,"checksums":"00000000000000010000000000000002"})", &error));
  EXPECT_NE(error.find("checksums"), std::string::npos) << error;
  EXPECT_FALSE(json::parse_blocks_reply(R"({"sha256":"x","size":1,"block_size":0,"checksums":""})", &error));
  EXPECT_FALSE(json::parse_blocks_reply(R"({"sha256":"x","size":1,"block_size":4096,"checksums":"zz"})", &error));
  EXPECT_FALSE(json::parse_delta_header(R"({"sha256":"x","size":1,"block_size":0,"literal":""})", &error));
  EXPECT_FALSE(json::parse_delta_header(R"({"sha256":"x","size":1})", &error));
}

// The client reserves a /sync body once from this hint (a full body is MiBs
// on a big folder; growing it by doubling held twice that at its peak).
TEST(Json, EntriesSizeHintCoversTheBody) {
  std::vector<file_entry> entries;
  for (int i = 0; i < 1000; ++i) {
    auto e = sample();
    e.path = "usr/include/some/deeper/folder/header_" + std::to_string(i) + ".h";
    e.origin = "0123456789ab";  // client ids are 12 hex digits
    e.version = version_vector{};
    e.version.set(e.origin, 1000000 + i);
    e.version.set("fedcba987654", 7);
    e.mtime_ns = 1'764'000'000'000'000'000 + i;
    e.sequence = 1'000'000 + i;
    entries.push_back(e);
  }
  auto body = json::entries_json(entries, "files");
  auto hint = json::entries_json_size_hint(entries);
  EXPECT_GE(hint, body.size());
  EXPECT_LE(hint, body.size() * 3 / 2);
  std::string appended;
  json::append_entry_json(appended, entries[0]);
  EXPECT_EQ(appended, json::entry_json(entries[0]));
}

TEST(Json, EventBatchesParseInOrderAndBadOnesAreRefused) {
  hub_event a{"file_changed", sample()};
  hub_event b{"file_deleted", sample()};
  b.entry.path = "gone.txt";
  auto text = json::event_batch_json({json::event_json(a), json::event_json(b)});
  std::string error;
  auto events = json::parse_events(text, &error);
  ASSERT_TRUE(events) << error;
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ((*events)[0].entry.path, a.entry.path);
  EXPECT_EQ((*events)[1].type, "file_deleted");
  EXPECT_TRUE((*events)[1].entry.deleted);
  auto single = json::parse_events(json::event_json(a), &error);
  ASSERT_TRUE(single) << error;
  EXPECT_EQ(single->size(), 1u);
  EXPECT_FALSE(json::parse_events("{\"type\":\"batch\"}", &error));
  EXPECT_FALSE(error.empty());
  EXPECT_FALSE(json::parse_events("{\"type\":\"batch\",\"events\":[{\"path\":1}]}", &error));
}

TEST(Json, QuoteKeepsTheDocumentValidUtf8) {
  // A file name that is not UTF-8 (shown as a problem) must not make the
  // whole document invalid: its bad bytes become the text \xHH.
  EXPECT_EQ(syncer::json::quote(std::string("bad\xff name.txt")), "\"bad\\\\xff name.txt\"");
  EXPECT_EQ(syncer::json::quote("B\xc3\xbcro"), "\"B\xc3\xbcro\"");                 // valid UTF-8 kept
  EXPECT_EQ(syncer::json::quote(std::string("\xe0\x80\xae")), "\"\\\\xe0\\\\x80\\\\xae\"");  // overlong '.'
  EXPECT_EQ(syncer::json::quote(std::string("\xf0\x9f\x98")), "\"\\\\xf0\\\\x9f\\\\x98\"");  // cut short
}
