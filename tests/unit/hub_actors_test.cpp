// The hub's actors driven through their typed interfaces, with a real
// SQLite file and object store in a temp dir (no network).
#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include <caf/all.hpp>

#include "actors/client_registry.h"
#include "actors/conflict_resolver.h"
#include "actors/file_store.h"
#include "storage/sha256.h"

using namespace syncer;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

struct hub_actors : ::testing::Test {
  fs::path dir;
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  conflict_resolver_actor resolver;
  client_registry_actor registry;
  file_store_actor store;

  void SetUp() override {
    char tmpl[] = "/tmp/syncer-hub-test-XXXXXX";
    dir = ::mkdtemp(tmpl);
    sys = std::make_unique<caf::actor_system>(cfg);
    resolver = spawn_conflict_resolver(*sys);
    registry = spawn_client_registry(*sys);
    store = spawn_file_store(*sys, file_store_config{dir.string()}, resolver, registry);
  }
  void TearDown() override {
    for (auto h : {caf::actor_cast<caf::actor>(store), caf::actor_cast<caf::actor>(resolver),
                   caf::actor_cast<caf::actor>(registry)})
      caf::anon_send_exit(h, caf::exit_reason::user_shutdown);
    sys->await_all_actors_done();
    fs::remove_all(dir);
  }

  change_result commit(const std::string& path, const std::string& bytes, const std::string& origin,
                       std::initializer_list<std::pair<const char*, uint64_t>> version, int64_t mtime) {
    auto temp = (dir / "tmp" / ("t" + std::to_string(counter++))).string();
    fs::create_directories(dir / "tmp");
    std::ofstream(temp, std::ios::binary) << bytes;
    incoming_change c;
    c.entry.path = path;
    c.entry.origin = origin;
    c.entry.mtime_ns = mtime;
    for (auto& [id, n] : version) c.entry.version.set(id, n);
    c.version_given = version.size() > 0;
    c.temp_file = temp;
    return ask_commit(c);
  }

  change_result ask_commit(const incoming_change& c) {
    caf::scoped_actor self{*sys};
    change_result out;
    self->request(store, 10s, commit_atom::value, c)
        .receive([&](const change_result& r) { out = r; }, [](const caf::error&) { ADD_FAILURE() << "no answer"; });
    return out;
  }

  std::string register_name(const std::string& name) {
    caf::scoped_actor self{*sys};
    std::string id;
    self->request(store, 10s, register_atom::value, name)
        .receive([&](const client_record& r) { id = r.id; }, [](const caf::error&) { ADD_FAILURE(); });
    return id;
  }

  int counter = 0;
};

}  // namespace

TEST_F(hub_actors, RegisterIsIdempotentPerName) {
  auto a = register_name("laptop");
  EXPECT_EQ(register_name("laptop"), a);
  EXPECT_NE(register_name("desktop"), a);
}

TEST_F(hub_actors, UploadIsHashedStoredAndVersioned) {
  auto r = commit("a.txt", "hello", "c1", {}, 5);
  EXPECT_EQ(r.result.kind, error_kind::ok);
  EXPECT_EQ(r.kind, "fast_forward");
  EXPECT_EQ(r.entry.sha256, sha256_hex("hello"));
  EXPECT_EQ(r.entry.version.get("c1"), 1u);
  EXPECT_TRUE(fs::exists(dir / "objects" / r.entry.sha256.substr(0, 2) / r.entry.sha256));
  auto next = commit("a.txt", "hello again", "c2", {}, 6);
  EXPECT_EQ(next.entry.version.get("c1"), 1u);
  EXPECT_EQ(next.entry.version.get("c2"), 1u);
  EXPECT_TRUE(fs::is_empty(dir / "tmp")) << "temp files must be consumed";
}

TEST_F(hub_actors, StaleUploadIsRefusedWith409) {
  commit("f", "v1", "c1", {{"c1", 1}}, 1);
  commit("f", "v2", "c1", {{"c1", 2}}, 2);
  auto r = commit("f", "old", "c1", {{"c1", 1}}, 3);
  EXPECT_EQ(r.result.kind, error_kind::stale);
  EXPECT_EQ(r.kind, "stale");
  EXPECT_EQ(r.entry.sha256, sha256_hex("v2"));
}

TEST_F(hub_actors, ConcurrentEditsKeepBothVersions) {
  auto loser_id = register_name("phone");
  commit("doc.txt", "base", "c1", {{"c1", 1}}, 1);
  commit("doc.txt", "newer edit", "c1", {{"c1", 2}}, 300);
  // phone edited the base version too, earlier: it loses the name
  auto r = commit("doc.txt", "older edit", loser_id, {{"c1", 1}, {loser_id.c_str(), 1}}, 200);
  EXPECT_EQ(r.result.kind, error_kind::ok);
  EXPECT_EQ(r.kind, "conflict");
  EXPECT_EQ(r.entry.sha256, sha256_hex("newer edit"));
  ASSERT_TRUE(r.conflict_copy);
  EXPECT_EQ(r.conflict_copy->sha256, sha256_hex("older edit"));
  EXPECT_NE(r.conflict_copy->path.find("doc.sync-conflict-"), std::string::npos);
  EXPECT_NE(r.conflict_copy->path.find("-phone.txt"), std::string::npos) << r.conflict_copy->path;
  caf::scoped_actor self{*sys};
  self->request(store, 10s, conflicts_atom::value, true)
      .receive([&](const std::vector<conflict_record>& list) {
        ASSERT_EQ(list.size(), 1u);
        EXPECT_EQ(list[0].copy_path, r.conflict_copy->path);
        EXPECT_EQ(list[0].loser_origin, loser_id);
      },
      [](const caf::error&) { ADD_FAILURE(); });
}

TEST_F(hub_actors, DeleteOfUnknownPathIs404AndTombstonesWork) {
  incoming_change del;
  del.entry.path = "never";
  del.entry.deleted = true;
  EXPECT_EQ(ask_commit(del).result.kind, error_kind::not_found);
  commit("x", "x", "c1", {}, 1);
  del.entry.path = "x";
  auto r = ask_commit(del);
  EXPECT_EQ(r.result.kind, error_kind::ok);
  EXPECT_TRUE(r.entry.deleted);
  caf::scoped_actor self{*sys};
  self->request(store, 10s, lookup_atom::value, std::string("x"))
      .receive([](const file_lookup& f) { EXPECT_FALSE(f.found); }, [](const caf::error&) { ADD_FAILURE(); });
}

TEST_F(hub_actors, RegistryFansOutToEveryoneButTheOrigin) {
  caf::scoped_actor alice{*sys};
  caf::scoped_actor bob{*sys};
  caf::anon_send(registry, attach_atom::value, std::string("alice"), caf::actor_cast<session_sink_actor>(alice));
  caf::anon_send(registry, attach_atom::value, std::string("bob"), caf::actor_cast<session_sink_actor>(bob));
  commit("shared.txt", "from alice", "alice", {}, 1);
  bool bob_got = false;
  bob->receive([&](hub_event_atom, const hub_event& ev) { bob_got = ev.entry.path == "shared.txt"; },
               caf::after(5s) >> [] {});
  EXPECT_TRUE(bob_got);
  bool alice_got = false;
  alice->receive([&](hub_event_atom, const hub_event&) { alice_got = true; }, caf::after(300ms) >> [] {});
  EXPECT_FALSE(alice_got) << "the origin must not get its own change back";
}

TEST_F(hub_actors, BatchEventsReachEachSessionAsOneMessageWithoutTheOriginsOwn) {
  caf::scoped_actor alice{*sys};
  caf::scoped_actor bob{*sys};
  caf::anon_send(registry, attach_atom::value, std::string("alice"), caf::actor_cast<session_sink_actor>(alice));
  caf::anon_send(registry, attach_atom::value, std::string("bob"), caf::actor_cast<session_sink_actor>(bob));
  auto event = [](const std::string& path, const std::string& origin) {
    hub_event ev{"file_changed", file_entry{}};
    ev.entry.path = path;
    ev.entry.origin = origin;
    return ev;
  };
  caf::anon_send(registry, notify_atom::value,
                 std::vector<hub_event>{event("a", "alice"), event("b", "bob"), event("c", "alice")});
  std::vector<std::string> bob_paths, alice_paths;
  bob->receive([&](hub_event_atom, const std::vector<hub_event>& evs) {
                 for (const auto& ev : evs) bob_paths.push_back(ev.entry.path);
               },
               caf::after(5s) >> [] {});
  alice->receive([&](hub_event_atom, const std::vector<hub_event>& evs) {
                   for (const auto& ev : evs) alice_paths.push_back(ev.entry.path);
                 },
                 caf::after(5s) >> [] {});
  EXPECT_EQ(bob_paths, (std::vector<std::string>{"a", "c"}));
  EXPECT_EQ(alice_paths, (std::vector<std::string>{"b"}));
}

namespace {

actor_state inspect_of(caf::actor_system& sys, const caf::actor& target) {
  caf::scoped_actor self{sys};
  actor_state out;
  self->request(target, 10s, inspect_atom::value)
      .receive([&](const actor_state& st) { out = st; }, [](const caf::error&) { ADD_FAILURE() << "no answer"; });
  return out;
}

}  // namespace

TEST_F(hub_actors, LinkNeedsContentTheHubHas) {
  incoming_change link;
  link.entry.path = "moved.txt";
  link.entry.origin = "c1";
  link.entry.sha256 = sha256_hex("content");
  link.entry.size = 7;
  auto missing = ask_commit(link);
  EXPECT_EQ(missing.result.kind, error_kind::not_found);
  EXPECT_EQ(missing.result.message, "the hub does not have content " + sha256_hex("content"));

  commit("original.txt", "content", "c1", {}, 1);
  auto linked = ask_commit(link);
  EXPECT_EQ(linked.result.kind, error_kind::ok) << linked.result.message;
  EXPECT_EQ(linked.kind, "fast_forward");
  EXPECT_EQ(linked.entry.version.get("c1"), 1u);
  link.entry.size = 8;
  link.entry.path = "wrong-size.txt";
  EXPECT_EQ(ask_commit(link).result.kind, error_kind::invalid);
}

TEST_F(hub_actors, ConflictEventsReachTheUploaderToo) {
  auto phone = register_name("phone");
  caf::scoped_actor phone_session{*sys};
  caf::anon_send(registry, attach_atom::value, phone, caf::actor_cast<session_sink_actor>(phone_session));
  commit("doc.txt", "base", "c1", {{"c1", 1}}, 1);
  commit("doc.txt", "newer", "c1", {{"c1", 2}}, 300);
  // Drain the two events of c1's edits.
  for (int i = 0; i < 2; ++i)
    phone_session->receive([](hub_event_atom, const hub_event&) {}, caf::after(5s) >> [] { ADD_FAILURE(); });
  auto r = commit("doc.txt", "older", phone, {{"c1", 1}, {phone.c_str(), 1}}, 200);
  ASSERT_EQ(r.kind, "conflict");
  ASSERT_TRUE(r.conflict_copy);
  std::set<std::string> paths;
  for (int i = 0; i < 2; ++i)
    phone_session->receive(
        [&](hub_event_atom, const hub_event& ev) {
          EXPECT_EQ(ev.type, "file_changed");
          EXPECT_EQ(ev.entry.origin, "") << "conflict events go to every session";
          paths.insert(ev.entry.path);
        },
        caf::after(5s) >> [] { ADD_FAILURE() << "the uploader must learn about both sides"; });
  EXPECT_EQ(paths, (std::set<std::string>{"doc.txt", r.conflict_copy->path}));
  EXPECT_EQ(r.conflict_copy->version.get(phone), 1u);
  EXPECT_EQ(r.conflict_copy->version.counters().size(), 1u) << "the copy starts a new history";

  auto resolver_state = inspect_of(*sys, caf::actor_cast<caf::actor>(resolver));
  EXPECT_EQ(resolver_state.name, "conflict-resolver");
  EXPECT_EQ(resolver_state.counters["conflict"], 1);
  EXPECT_EQ(resolver_state.counters["fast_forward"], 2);
  auto store_state = inspect_of(*sys, caf::actor_cast<caf::actor>(store));
  EXPECT_EQ(store_state.counters["conflicts"], 1);
  EXPECT_EQ(store_state.counters["files"], 2);
  EXPECT_EQ(store_state.counters["clients"], 1);
}

TEST_F(hub_actors, RegistryForgetsSessionsThatEnd) {
  auto sink = sys->spawn([](session_sink_actor::pointer) -> session_sink_actor::behavior_type {
    return {[](hub_event_atom, const hub_event&) {}, [](hub_event_atom, const std::vector<hub_event>&) {}};
  });
  caf::anon_send(registry, attach_atom::value, std::string("c1"), sink);
  caf::anon_send(registry, attach_atom::value, std::string("c1"), sink);  // a second session of the same client
  EXPECT_EQ(inspect_of(*sys, caf::actor_cast<caf::actor>(registry)).counters["sessions"], 2);
  caf::anon_send_exit(sink, caf::exit_reason::user_shutdown);
  int64_t sessions = -1;
  for (int i = 0; i < 200 && sessions != 0; ++i) {  // the down message arrives asynchronously
    sessions = inspect_of(*sys, caf::actor_cast<caf::actor>(registry)).counters["sessions"];
    if (sessions != 0) std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(sessions, 0);
  EXPECT_EQ(inspect_of(*sys, caf::actor_cast<caf::actor>(registry)).counters["clients_online"], 0);
}
