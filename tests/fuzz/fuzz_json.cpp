// Every JSON parser of net/json.h: the hub's request bodies (register,
// sync, link, batch manifest, objects), the client's view of the hub's
// answers (sync plan, change replies, batch results, blocks, delta header,
// entry lists, actor states, conflicts, errors) and the WebSocket events,
// single or batched.
//
// Input: one selector byte, then the body. The selector is a letter 'a'..
// (see `parsers` below; any other byte is taken modulo their number), so
// the seed files read as "c{...json...}".
//
// Properties checked besides "no crash, no sanitizer report":
//   - a parse that fails says why (error is set);
//   - where the module also writes the shape, what was parsed is written
//     and parsed again to the same value (sync requests, batch manifests,
//     objects sizes, blocks replies, delta headers, sync plans, change
//     replies, events and event batches, entry lists, actor states,
//     conflicts).
#include <string>

#include "net/json.h"
#include "storage/block_delta.h"
#include "tests/fuzz/fuzz_util.h"

using namespace syncer;

namespace {

bool same_entry(const file_entry& a, const file_entry& b) {
  return a.path == b.path && a.sha256 == b.sha256 && a.size == b.size && a.mtime_ns == b.mtime_ns &&
         a.version == b.version && a.deleted == b.deleted && a.is_dir == b.is_dir && a.origin == b.origin &&
         a.sequence == b.sequence;
}

bool same_entries(const std::vector<file_entry>& a, const std::vector<file_entry>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (!same_entry(a[i], b[i])) return false;
  return true;
}

bool same_event(const hub_event& a, const hub_event& b) { return a.type == b.type && same_entry(a.entry, b.entry); }

// Runs a parser and checks that a failure comes with a reason.
template <class F>
auto run(F&& parse, std::string_view body) {
  std::string error;
  auto out = parse(body, &error);
  if (!out) FUZZ_CHECK(!error.empty());
  return out;
}

std::string sync_request_json(const json::sync_request& r) {
  auto out = json::entries_json(r.files, "files");
  out.pop_back();  // the closing '}'
  if (r.since) out += ",\"since\":" + std::to_string(*r.since);
  out += ",\"hub_id\":" + json::quote(r.hub_id) + "}";
  return out;
}

void register_request(std::string_view body) {
  auto name = run(json::parse_register_request, body);
  if (name) FUZZ_CHECK(!name->empty() && name->size() <= 128);
}

void sync_request(std::string_view body) {
  auto files = run(json::parse_sync_request, body);
  if (!files) return;
  auto again = run(json::parse_sync_request, json::entries_json(*files, "files"));
  FUZZ_CHECK(again && same_entries(*files, *again));
}

void sync_request_since(std::string_view body) {
  auto r = run(json::parse_sync_request_since, body);
  if (!r) return;
  FUZZ_CHECK(!r->since || !r->hub_id.empty());
  auto again = run(json::parse_sync_request_since, sync_request_json(*r));
  FUZZ_CHECK(again && same_entries(r->files, again->files) && again->since == r->since && again->hub_id == r->hub_id);
}

void link_request(std::string_view body) {
  auto e = run(json::parse_link_request, body);
  if (!e) return;
  file_entry with_path = *e;
  with_path.path = "x";
  auto again = run(json::parse_link_request, json::entry_json(with_path));
  FUZZ_CHECK(again && again->sha256 == e->sha256 && again->size == e->size && again->mtime_ns == e->mtime_ns &&
             again->version == e->version);
}

void batch_manifest(std::string_view body) {
  auto changes = run(json::parse_batch_manifest, body);
  if (!changes) return;
  auto again = run(json::parse_batch_manifest, json::batch_manifest_json(*changes));
  FUZZ_CHECK(again && again->size() == changes->size());
  for (size_t i = 0; i < changes->size(); ++i)
    FUZZ_CHECK((*again)[i].op == (*changes)[i].op && same_entry((*again)[i].meta, (*changes)[i].meta));
}

void batch_results(std::string_view body) { run(json::parse_batch_results, body); }

void objects_request(std::string_view body) { run(json::parse_objects_request, body); }

void objects_sizes(std::string_view body) {
  auto sizes = run(json::parse_objects_sizes, body);
  if (!sizes) return;
  auto again = run(json::parse_objects_sizes, json::objects_sizes_json(*sizes));
  FUZZ_CHECK(again && *again == *sizes);
}

void blocks_reply(std::string_view body) {
  auto r = run(json::parse_blocks_reply, body);
  if (!r) return;
  FUZZ_CHECK(r->block_size > 0 && r->checksums.size() == block_count(r->size, r->block_size));
  auto again = run(json::parse_blocks_reply, json::blocks_reply_json(*r));
  FUZZ_CHECK(again && again->sha256 == r->sha256 && again->size == r->size && again->block_size == r->block_size &&
             again->checksums == r->checksums);
}

void delta_header(std::string_view body) {
  auto h = run(json::parse_delta_header, body);
  if (!h) return;
  FUZZ_CHECK(h->block_size > 0);
  auto again = run(json::parse_delta_header, json::delta_header_json(*h));
  FUZZ_CHECK(again && again->sha256 == h->sha256 && again->size == h->size && again->block_size == h->block_size &&
             again->literal == h->literal);
  // What the client does next with the header (net/client/hub_client.cpp), for
  // sizes a hub would serve (its max_upload_bytes defaults to 64 GiB).
  if (h->size <= (64ull << 30) && h->block_size >= 4096) {
    std::string error;
    (void)parse_block_list(h->literal, block_count(h->size, h->block_size), &error);
  }
}

void register_reply(std::string_view body) { run(json::parse_register_reply, body); }

void sync_plan_reply(std::string_view body) {
  auto plan = run(json::parse_sync_plan, body);
  if (!plan) return;
  auto again = run(json::parse_sync_plan, json::sync_plan_json(*plan));
  FUZZ_CHECK(again && again->upload == plan->upload && same_entries(again->download, plan->download) &&
             same_entries(again->remove, plan->remove) && again->conflicts == plan->conflicts &&
             again->hub_id == plan->hub_id && again->sequence == plan->sequence &&
             again->incremental == plan->incremental);
}

void change_reply(std::string_view body) {
  auto change = run(json::parse_change_reply, body);
  if (!change) return;
  change_result r;
  r.kind = change->kind;
  r.entry = change->entry;
  auto again = run(json::parse_change_reply, json::change_result_json(r));
  FUZZ_CHECK(again && again->kind == change->kind && same_entry(again->entry, change->entry));
}

void entry_list(std::string_view body) {
  auto files = run([](std::string_view b, std::string* e) { return json::parse_entry_list(b, "files", e); }, body);
  if (!files) return;
  auto again = run([](std::string_view b, std::string* e) { return json::parse_entry_list(b, "files", e); },
                   json::entries_json(*files, "files"));
  FUZZ_CHECK(again && same_entries(*files, *again));
}

void event(std::string_view body) {
  auto ev = run(json::parse_event, body);
  if (!ev) return;
  auto again = run(json::parse_event, json::event_json(*ev));
  FUZZ_CHECK(again && same_event(*ev, *again));
}

void events(std::string_view body) {
  auto evs = run(json::parse_events, body);
  if (!evs) return;
  std::vector<std::string> texts;
  for (const auto& ev : *evs) texts.push_back(json::event_json(ev));
  auto again = run(json::parse_events, json::event_batch_json(texts));
  FUZZ_CHECK(again && again->size() == evs->size());
  for (size_t i = 0; i < evs->size(); ++i) FUZZ_CHECK(same_event((*evs)[i], (*again)[i]));
}

void actor_states(std::string_view body) {
  auto states = run(json::parse_actor_states, body);
  if (!states) return;
  auto again = run(json::parse_actor_states, json::actor_states_json("hub", *states));
  FUZZ_CHECK(again && again->size() == states->size());
  for (size_t i = 0; i < states->size(); ++i)
    FUZZ_CHECK((*again)[i].name == (*states)[i].name && (*again)[i].counters == (*states)[i].counters &&
               (*again)[i].info == (*states)[i].info);
}

void conflicts(std::string_view body) {
  auto list = run(json::parse_conflicts, body);
  if (!list) return;
  auto again = run(json::parse_conflicts, json::conflicts_json(*list));
  FUZZ_CHECK(again && again->size() == list->size());
  for (size_t i = 0; i < list->size(); ++i) {
    const auto &a = (*list)[i], &b = (*again)[i];
    FUZZ_CHECK(a.id == b.id && a.path == b.path && a.copy_path == b.copy_path && a.winner_origin == b.winner_origin &&
               a.loser_origin == b.loser_origin && a.detected_ns == b.detected_ns && a.open == b.open);
  }
}

void error_message(std::string_view body) {
  auto message = json::parse_error_message(body);
  // Round trip through the writer of error bodies (JSON text is UTF-8: a
  // raw body that is not, or that the 200-byte cut split, cannot be one).
  if (fuzz::valid_utf8(message)) FUZZ_CHECK(json::parse_error_message(json::error_body(message)) == message);
}

using parser_fn = void (*)(std::string_view);
constexpr parser_fn parsers[] = {
    register_request,    // a
    sync_request,        // b
    sync_request_since,  // c
    link_request,        // d
    batch_manifest,      // e
    batch_results,       // f
    objects_request,     // g
    objects_sizes,       // h
    blocks_reply,        // i
    delta_header,        // j
    register_reply,      // k
    sync_plan_reply,     // l
    change_reply,        // m
    entry_list,          // n
    event,               // o
    events,              // p
    actor_states,        // q
    conflicts,           // r
    error_message,       // s
};
constexpr size_t parser_count = sizeof parsers / sizeof parsers[0];

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  size_t which = data[0] >= 'a' && data[0] < 'a' + parser_count ? data[0] - 'a' : data[0] % parser_count;
  parsers[which](fuzz::as_text(data + 1, size - 1));
  return 0;
}
