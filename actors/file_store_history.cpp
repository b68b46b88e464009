// file-store's history and restore work (see file_store_parts.h).
#include <cstdio>
#include <map>
#include <set>

#include "actors/file_store_parts.h"
#include "actors/rules/restore_rules.h"
#include "storage/file_times.h"

namespace syncer::file_store_parts {
namespace {

void add_name(server_db& db, std::map<std::string, std::string>& names, const std::string& id) {
  if (id.empty() || names.count(id)) return;
  if (id == restore_origin) {
    names[id] = "hub (restore)";
    return;
  }
  auto c = db.find_client(id);
  names[id] = c ? c->name : id;
}

incoming_change change_for(const file_entry& old) {
  incoming_change c;
  c.entry = old;
  c.entry.origin = restore_origin;
  c.entry.sequence = 0;
  c.entry.version = version_vector{};  // version_given = false: the hub makes it current + 1
  c.version_given = false;
  return c;
}

}  // namespace

history_page read_history(server_db& db, const history_query& q) {
  history_page page;
  if (q.trash) {
    page.trash = db.trash_under(q.path, q.after_path, q.limit);
    for (const auto& t : page.trash) {
      add_name(db, page.names, t.deletion.entry.origin);
      if (t.last_version) add_name(db, page.names, t.last_version->entry.origin);
    }
  } else {
    page.versions = db.changes_under(q.path, q.before, q.limit);
    for (const auto& v : page.versions) add_name(db, page.names, v.entry.origin);
  }
  return page;
}

namespace {

// An empty file's content may never have been stored as an object (the
// hub serves empty files without one); a restore links to it, so make it.
void ensure_empty_objects(object_store& objects, const std::vector<incoming_change>& changes) {
  for (const auto& c : changes) {
    const auto& e = c.entry;
    if (e.deleted || e.is_dir || e.size != 0 || objects.contains(e.sha256)) continue;
    auto temp = objects.new_temp_path();
    if (FILE* f = std::fopen(temp.c_str(), "wb")) {
      std::fclose(f);
      std::string error;
      objects.commit(temp, e.sha256, &error);
    }
  }
}

}  // namespace

restore_work prepare_restore(server_db& db, object_store& objects, const restore_request& r) {
  auto work = plan_restore_work(db, r);
  ensure_empty_objects(objects, work.changes);
  return work;
}

restore_work plan_restore_work(server_db& db, const restore_request& r) {
  restore_work work;
  auto& res = work.result;
  if (r.sequence > 0) {
    auto v = db.version_by_sequence(r.path, r.sequence);
    if (!v) {
      res.result = outcome::failure(error_kind::not_found, "no retained version " + std::to_string(r.sequence) + " of " +
                                                               (r.path.empty() ? "/" : r.path));
      return work;
    }
    auto current = db.get_file(r.path);
    if (v->entry.deleted) {
      // Restoring a deletion deletes the file again.
      if (!current || current->deleted) res.unchanged.push_back(r.path);
      else work.changes.push_back(change_for(v->entry));
    } else if (current && current->same_content(v->entry)) {
      res.unchanged.push_back(r.path);
    } else {
      work.changes.push_back(change_for(v->entry));
    }
    return work;
  }
  std::vector<file_entry> then;
  for (auto& v : db.state_at(r.path, r.at_ns)) then.push_back(std::move(v.entry));
  auto now = db.files_under(r.path);
  if (then.empty() && now.empty()) {
    res.result = outcome::failure(error_kind::not_found,
                                  "the hub has no history of " + (r.path.empty() ? std::string("/") : r.path));
    return work;
  }
  auto plan = plan_restore(then, now);
  res.unchanged = std::move(plan.unchanged);
  res.left_alone = std::move(plan.left_alone);
  for (const auto& e : plan.restore) work.changes.push_back(change_for(e));
  return work;
}

void finish_restore(restore_result& result, const std::vector<incoming_change>& changes,
                    const std::vector<change_result>& answers) {
  for (size_t i = 0; i < answers.size() && i < changes.size(); ++i) {
    const auto& a = answers[i];
    if (a.result.ok()) result.restored.push_back(a.entry);
    else result.failed.push_back(changes[i].entry.path + ": " + a.result.describe());
  }
  if (result.restored.empty() && !result.failed.empty()) {
    // Every change failed the same way in practice (content collected: not_found; a full disk).
    result.result = outcome::failure(answers.front().result.kind, "nothing could be restored: " + result.failed.front());
  }
}

file_lookup lookup_version(server_db& db, object_store& objects, const std::string& path, uint64_t sequence) {
  file_lookup out;
  auto v = db.version_by_sequence(path, sequence);
  if (!v || v->entry.deleted || v->entry.is_dir) return out;
  out.entry = v->entry;
  out.object_file = objects.object_path(v->entry.sha256);
  out.found = v->entry.size == 0 || objects.contains(v->entry.sha256);
  return out;
}

void note_sync_point(server_db& db, const std::string& client, const std::string& hub_id, uint64_t sequence) {
  if (hub_id == db.hub_id() && sequence <= db.last_sequence() && db.find_client(client))
    db.record_sync_point(client, hub_id, sequence, now_ns());
}

store_report report_store(server_db& db, const retention_policy& policy, int64_t now_ns) {
  store_report out;
  out.totals = db.totals();
  // A dry run of the retention stage: objects only due versions use.
  std::map<std::string, uint64_t> due;
  std::set<std::string> kept;
  for (const auto& f : db.list_files(false))
    if (!f.is_dir) kept.insert(f.sha256);
  auto oldest = db.oldest_sync_point();
  std::string cursor;
  for (;;) {
    auto paths = db.version_paths_after(cursor, 1000);
    if (paths.empty()) break;
    cursor = paths.back();
    for (const auto& path : paths) {
      auto rows = db.version_rows(path);
      std::vector<version_stamp> stamps;
      for (const auto& r : rows) stamps.push_back({r.id, r.recorded_ns, r.deleted});
      std::set<int64_t> drop;
      for (auto id : versions_to_drop(policy, stamps, now_ns)) drop.insert(id);
      if (!rows.empty() && rows.back().deleted &&
          tombstone_expired(policy, rows.back().recorded_ns, rows.back().sequence, oldest, now_ns))
        for (const auto& r : rows) drop.insert(r.id);
      for (const auto& r : rows) {
        if (r.deleted || r.is_dir) continue;
        if (drop.count(r.id)) due[r.sha256] = r.size;
        else kept.insert(r.sha256);
      }
    }
  }
  for (const auto& [sha, size] : due)
    if (!kept.count(sha)) {
      out.reclaimable_bytes += static_cast<int64_t>(size);
      ++out.reclaimable_objects;
    }
  return out;
}

}  // namespace syncer::file_store_parts
