#include "actors/rules/sync_rules.h"

#include "actors/rules/path_rules.h"

#include <algorithm>
#include <unordered_map>

namespace syncer {

const char* to_string(change_kind kind) {
  switch (kind) {
    case change_kind::fast_forward: return "fast_forward";
    case change_kind::no_op: return "no_op";
    case change_kind::stale: return "stale";
    case change_kind::merge: return "merge";
    case change_kind::conflict: return "conflict";
  }
  return "?";
}

namespace {

void plan_one(const file_entry* c, const file_entry* h, sync_plan& plan, bool client_list_complete) {
  if (c && !h) {
    if (!c->deleted) plan.upload.push_back(c->path);
    return;
  }
  if (h && !c) {
    // A complete client list without the path: the client never had it,
    // so a hub tombstone means nothing to it. A partial list (incremental
    // sync) says nothing about the path: the client decides from its index.
    if (!h->deleted) plan.download.push_back(*h);
    else if (!client_list_complete) plan.remove.push_back(*h);
    return;
  }
  switch (c->version.compare(h->version)) {
    case version_order::equal:
      if (!c->same_content(*h)) {  // should not happen; treat as concurrent
        plan.conflicts.push_back(c->path);
        plan.upload.push_back(c->path);
      }
      return;
    case version_order::after:
      plan.upload.push_back(c->path);
      return;
    case version_order::before:
      if (h->deleted) {
        plan.remove.push_back(*h);  // also when already deleted: adopts the vector
      } else {
        plan.download.push_back(*h);
      }
      return;
    case version_order::concurrent:
      if (c->deleted && h->deleted) {
        plan.remove.push_back(*h);
      } else if (c->deleted) {
        plan.download.push_back(*h);  // an edit beats a concurrent delete
      } else if (h->deleted) {
        plan.upload.push_back(c->path);
      } else {
        if (!c->same_content(*h)) plan.conflicts.push_back(c->path);
        plan.upload.push_back(c->path);
      }
      return;
  }
}

}  // namespace

sync_plan plan_sync(const std::vector<file_entry>& client_entries,
                    const std::vector<file_entry>& hub_entries, bool client_list_complete) {
  std::unordered_map<std::string, const file_entry*> hub_by_path;
  hub_by_path.reserve(hub_entries.size());
  for (const auto& h : hub_entries) hub_by_path.emplace(h.path, &h);
  sync_plan plan;
  for (const auto& c : client_entries) {
    auto it = hub_by_path.find(c.path);
    if (it == hub_by_path.end()) {
      plan_one(&c, nullptr, plan, client_list_complete);
    } else {
      plan_one(&c, it->second, plan, client_list_complete);
      hub_by_path.erase(it);
    }
  }
  for (const auto& h : hub_entries)
    if (hub_by_path.count(h.path)) plan_one(nullptr, &h, plan, client_list_complete);
  // Parents before children for creation, children before parents for removal.
  std::sort(plan.download.begin(), plan.download.end(),
            [](const file_entry& a, const file_entry& b) { return a.path < b.path; });
  std::sort(plan.remove.begin(), plan.remove.end(), [](const file_entry& a, const file_entry& b) {
    return path_depth(a.path) != path_depth(b.path) ? path_depth(a.path) > path_depth(b.path) : a.path > b.path;
  });
  std::sort(plan.upload.begin(), plan.upload.end());
  return plan;
}

change_resolution resolve_change(const std::optional<file_entry>& current, const file_entry& incoming) {
  change_resolution r;
  if (!current) {
    r.kind = incoming.deleted ? change_kind::no_op : change_kind::fast_forward;
    r.result = incoming;
    return r;
  }
  const file_entry& cur = *current;
  switch (incoming.version.compare(cur.version)) {
    case version_order::after:
      r.kind = change_kind::fast_forward;
      r.result = incoming;
      return r;
    case version_order::before:
      r.kind = change_kind::stale;
      r.result = cur;
      return r;
    case version_order::equal:
      if (incoming.same_content(cur)) {
        r.kind = change_kind::no_op;
        r.result = cur;
        return r;
      }
      break;  // same vector, different content: handle as concurrent
    case version_order::concurrent:
      break;
  }
  version_vector merged = cur.version;
  merged.merge(incoming.version);
  if (incoming.deleted && cur.deleted) {
    r.kind = change_kind::no_op;
    r.result = cur;
    r.result.version = merged;
    return r;
  }
  if (incoming.deleted) {  // an edit beats a concurrent delete
    r.kind = change_kind::stale;
    r.result = cur;
    return r;
  }
  if (cur.deleted || incoming.same_content(cur)) {
    r.kind = change_kind::merge;
    r.result = incoming;
    r.result.version = merged;
    return r;
  }
  bool incoming_wins = incoming.mtime_ns != cur.mtime_ns ? incoming.mtime_ns > cur.mtime_ns
                                                         : incoming.sha256 > cur.sha256;
  r.kind = change_kind::conflict;
  r.result = incoming_wins ? incoming : cur;
  r.result.version = merged;
  r.loser = incoming_wins ? cur : incoming;
  r.incoming_lost = !incoming_wins;
  return r;
}

}  // namespace syncer
